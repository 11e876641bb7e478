"""MLflow models in VtsServing: import any model URI MLflow resolves, load it, run it.

`import_model` keeps the MLflow model folder whole under `mlflow_model/`; `load_model`
returns its pyfunc model and `get_runnable` the Runnable behind `get(tag).to_runner()`.
"""

from ._import import MLFLOW_MODEL_FOLDER, MODULE_NAME, get, import_model, load_model
from ._runnable import get_runnable
from ._schema import input_columns, input_tensor, mlflow_signature
from ._scoring import MLflowScoringInput, MLflowScoringOutput, ScoringRequest
from ._service import TARGET_PREFIX, service

__all__ = [
    "MLFLOW_MODEL_FOLDER",
    "MODULE_NAME",
    "TARGET_PREFIX",
    "MLflowScoringInput",
    "MLflowScoringOutput",
    "ScoringRequest",
    "get",
    "get_runnable",
    "import_model",
    "input_columns",
    "input_tensor",
    "load_model",
    "mlflow_signature",
    "service",
]
