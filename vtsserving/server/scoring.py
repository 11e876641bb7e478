"""MLflow's scoring routes, in every service that serves imported MLflow models.

`GET /ping` and `GET /health` answer `200` once the models are loaded (`503` before) in every
service: the health check of SageMaker's container contract and of MLflow's
`ScoringServerClient`. A service that serves MLflow models also answers `GET /version` (the MLflow
version) and, when it serves exactly one and has no `/invocations` API of its own,
`POST /invocations` for that model, as `mlflow models serve` would. Errors on the scoring API
take MLflow's shape: `{"error_code", "message"}` (with `request_id`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..exceptions import ServiceUnavailable, VtsServingError
from ..frameworks.mlflow import INVOCATIONS, MLflowScoring, error_reply, scoring_api, scoring_of

if TYPE_CHECKING:
    from ..service import InferenceAPI, Service
    from .readiness import Readiness

_ERROR_CODES = {404: "RESOURCE_DOES_NOT_EXIST", 500: "INTERNAL_ERROR", 503: "TEMPORARILY_UNAVAILABLE"}


def scorings(svc: Service) -> list[MLflowScoring]:
    """The scoring protocol of each runner of `svc` that runs one imported MLflow model."""
    return [s for s in map(scoring_of, svc.runners) if s is not None]


def extra_apis(svc: Service) -> list[InferenceAPI]:
    """`/invocations` for a service with one MLflow model and no API of its own at that route."""
    if any(api.route == INVOCATIONS for api in svc.apis.values()):
        return []
    found = scorings(svc)
    return [scoring_api(found[0])] if len(found) == 1 else []


def scoring_routes(svc: Service, state: Readiness) -> list[Route]:
    """`/ping` and `/health` for every service; `/version` where MLflow models are served."""

    async def ping(request: Request) -> Response:
        if state.server_ready():
            return Response("\n", media_type="application/json")
        return Response("\n", status_code=503, media_type="application/json", headers={"retry-after": "1"})

    routes = [Route("/ping", ping, methods=["GET"]), Route("/health", ping, methods=["GET"])]
    if scorings(svc):

        async def version(request: Request) -> Response:
            return Response(MLflowScoring.version(), media_type="application/json")

        routes.append(Route("/version", version, methods=["GET"]))
    return routes


def scoring_error_response(exc: VtsServingError, request_id: str) -> Response:
    """A VtsServing error (413, 503, ...) on the scoring API, in MLflow's error shape."""
    code = _ERROR_CODES.get(exc.status_code, "BAD_REQUEST" if exc.status_code < 500 else "INTERNAL_ERROR")
    reply = error_reply(exc.status_code, code, exc.message, request_id=request_id)
    headers = {"x-request-id": request_id}
    if isinstance(exc, ServiceUnavailable):
        headers["retry-after"] = str(int(exc.retry_after or 1))
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers)
