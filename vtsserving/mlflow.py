"""`vtsserving.mlflow`: import, load and run MLflow models (see vtsserving.frameworks.mlflow)."""

from .frameworks.mlflow import *  # noqa: F403 - the public names, listed once in its __all__
from .frameworks.mlflow import __all__  # noqa: F401
