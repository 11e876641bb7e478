"""`vtsserving.mlflow.service(tag)`: an imported MLflow model served at `POST /invocations`, no code.

`vtsserving serve mlflow-model:TAG` is this service; `TARGET_PREFIX` is how a serve target names it.
"""

from __future__ import annotations

import inspect
from typing import Any

from ...exceptions import BadInput
from ...service import Service
from ._import import get
from ._schema import mlflow_signature
from ._scoring import MLflowScoringInput, MLflowScoringOutput, ScoringRequest

TARGET_PREFIX = "mlflow-model:"


def service(tag: str, name: str | None = None) -> Service:
    """A Service scoring `tag` as `mlflow models serve` does (MLflow's JSON and CSV formats)."""
    model = get(tag)
    runner = model.to_runner()
    svc = Service(name or model.tag.name, runners=[runner])
    takes_params = "params" in inspect.signature(runner.runnable_class.predict).parameters
    scoring_input = MLflowScoringInput(mlflow_signature(model))

    @svc.api(input=scoring_input, output=MLflowScoringOutput(), route="/invocations")
    async def invocations(request: ScoringRequest) -> Any:
        """Score input the way `mlflow models serve` does (dataframe_split, dataframe_records, instances, inputs)."""
        if request.params is None:
            return await runner.predict.async_run(request.data)
        if not takes_params:
            raise BadInput("this model's runner does not take 'params'")
        return await runner.predict.async_run(request.data, params=request.params)

    svc.import_str = f"{TARGET_PREFIX}{model.tag}"
    return svc
