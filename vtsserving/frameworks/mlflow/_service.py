"""`vtsserving.mlflow.service(tag)`: an imported MLflow model served at `POST /invocations`, no code.

`vtsserving serve mlflow-model:TAG` is this service; `TARGET_PREFIX` is how a serve target names it.
`scoring_of(runner)` finds the scoring protocol of any runner made from an imported MLflow model
(the server uses it for `/invocations`, `/version` and KServe V2 in every service).
"""

from __future__ import annotations

import weakref
from typing import Any

from ...exceptions import InternalError
from ...runner import Runner
from ...service import InferenceAPI, Service
from ._import import MODULE_NAME, get
from ._io import MLflowScoringInput, MLflowScoringOutput, ScoringRequest
from ._runnable import PYFUNC_PREDICT
from ._scoring import MLflowScoring, ScoringReply

TARGET_PREFIX = "mlflow-model:"
INVOCATIONS = "/invocations"
_SCORINGS: weakref.WeakKeyDictionary[Runner, MLflowScoring] = weakref.WeakKeyDictionary()


def scoring_of(runner: Runner) -> MLflowScoring | None:
    """The MLflow scoring protocol of `runner`, if it runs one imported MLflow model; else None."""
    if runner in _SCORINGS:
        return _SCORINGS[runner]
    if len(runner.models) != 1 or PYFUNC_PREDICT not in runner.runnable_class.methods:
        return None
    model = runner.models[0]
    if getattr(getattr(model, "info", None), "module", None) != MODULE_NAME:
        return None
    scoring = _SCORINGS[runner] = MLflowScoring(model, runner)
    return scoring


def scoring_api(scoring: MLflowScoring) -> InferenceAPI:
    """`POST /invocations` for one model, answered as `mlflow models serve` answers it."""

    async def invocations(request: ScoringRequest) -> ScoringReply:
        """Score input the way `mlflow models serve` does (dataframe_split, dataframe_records, instances, inputs, CSV)."""
        return await scoring.invocations(request.body, request.content_type)

    return InferenceAPI(
        "invocations", invocations, MLflowScoringInput(scoring.signature, scoring.serving_example()), MLflowScoringOutput(),
        INVOCATIONS, invocations.__doc__,
    )


def is_scoring_api(api: Any) -> bool:
    """Whether `api` speaks MLflow's scoring protocol (its errors then take MLflow's shape)."""
    return isinstance(api.output, MLflowScoringOutput)


def service(tag: str, name: str | None = None) -> Service:
    """A Service scoring `tag` as `mlflow models serve` does (MLflow's JSON, CSV and Parquet formats)."""
    model = get(tag)
    runner = model.to_runner()
    svc = Service(name or model.tag.name, runners=[runner])
    scoring = scoring_of(runner)
    if scoring is None:
        raise InternalError(f"the runner of MLflow model {model.tag} has no {PYFUNC_PREDICT} method")
    api = scoring_api(scoring)
    svc.api(input=api.input, output=api.output, name=api.name, route=api.route, doc=api.doc)(api.func)
    svc.import_str = f"{TARGET_PREFIX}{model.tag}"
    return svc
