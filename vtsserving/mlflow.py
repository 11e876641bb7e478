"""`vtsserving.mlflow`: import, load and run MLflow models (see vtsserving.frameworks.mlflow)."""

from .frameworks.mlflow import (
    MLFLOW_MODEL_FOLDER,
    MODULE_NAME,
    get,
    get_runnable,
    import_model,
    input_columns,
    input_tensor,
    load_model,
    mlflow_signature,
    service,
)

__all__ = [
    "MLFLOW_MODEL_FOLDER",
    "MODULE_NAME",
    "get",
    "get_runnable",
    "import_model",
    "input_columns",
    "input_tensor",
    "load_model",
    "mlflow_signature",
    "service",
]
