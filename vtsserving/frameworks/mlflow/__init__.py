"""MLflow models in VtsServing: import any model URI MLflow resolves, load it, run it, serve it.

`import_model` keeps the MLflow model folder whole under `mlflow_model/`; `load_model`
returns its pyfunc model and `get_runnable` the Runnable behind `get(tag).to_runner()`;
`service(tag)` serves it as `mlflow models serve` does (`MLflowScoring`, MLflow's protocol).
"""

from ._import import MLFLOW_MODEL_FOLDER, MODULE_NAME, get, import_model, load_model
from ._io import MLflowScoringInput, MLflowScoringOutput, ScoringRequest
from ._runnable import PYFUNC_PREDICT, get_runnable
from ._schema import input_columns, input_tensor, mlflow_signature
from ._scoring import MLflowScoring, ScoringReply, error_reply
from ._service import INVOCATIONS, TARGET_PREFIX, is_scoring_api, scoring_api, scoring_of, service
from ._tensors import NamedTensor

__all__ = [
    "INVOCATIONS",
    "MLFLOW_MODEL_FOLDER",
    "MODULE_NAME",
    "PYFUNC_PREDICT",
    "TARGET_PREFIX",
    "MLflowScoring",
    "MLflowScoringInput",
    "MLflowScoringOutput",
    "NamedTensor",
    "ScoringReply",
    "ScoringRequest",
    "error_reply",
    "get",
    "get_runnable",
    "import_model",
    "input_columns",
    "input_tensor",
    "is_scoring_api",
    "load_model",
    "mlflow_signature",
    "scoring_api",
    "scoring_of",
    "service",
]
