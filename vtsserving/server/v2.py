"""KServe's Open Inference Protocol (V2) over HTTP, for every MLflow model a service serves.

    GET  /v2                                          server metadata
    GET  /v2/health/live, /v2/health/ready            200, or 400 when not ready (empty bodies)
    GET  /v2/models/{name}[/versions/{v}]             inputs and outputs, datatypes from the signature
    GET  /v2/models/{name}[/versions/{v}]/ready
    POST /v2/models/{name}[/versions/{v}]/infer       tensors in JSON or the binary extension

A model's name and version are its tag's. Inference runs the model's runner, as `/invocations`
does, so the same rows give the same predictions; the request's `parameters` (other than the
protocol's own) are the model's MLflow `params`. Errors are `{"error": ...}`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .._version import __version__
from ..exceptions import NotFound, ServiceUnavailable, VtsServingError
from .body import read_body, watch_client
from .scoring import scorings
from .v2_codec import HEADER_LENGTH, datatype_of, model_params, read_request, write_response

if TYPE_CHECKING:
    from ..frameworks.mlflow import MLflowScoring
    from ..service import Service
    from .config import ApiServerConfig
    from .readiness import Readiness

log = logging.getLogger("vtsserving.server")
_PLATFORM = "mlflow"


def v2_routes(svc: Service, state: Readiness, limits: ApiServerConfig) -> list[Route]:
    """The V2 routes for the MLflow models of `svc`; none when it serves no MLflow model."""
    models = {s.name: s for s in scorings(svc)}
    if not models:
        return []

    def find(request: Request) -> MLflowScoring:
        name = request.path_params["name"]
        scoring = models.get(name)
        version = request.path_params.get("version")
        if scoring is None or (version is not None and version != scoring.model.tag.version):
            known = ", ".join(f"{s.name} (version {s.model.tag.version})" for s in models.values())
            raise NotFound(f"model {name!r}{f' version {version!r}' if version else ''} not found; served: {known}")
        return scoring

    async def server_metadata(request: Request) -> Response:
        return JSONResponse({"name": "vtsserving", "version": __version__, "extensions": ["binary_tensor_data"]})

    async def live(request: Request) -> Response:
        return Response(status_code=200)

    async def ready(request: Request) -> Response:
        return Response(status_code=200 if state.server_ready() else 400)

    async def model_metadata(request: Request) -> Response:
        try:
            return JSONResponse(_metadata(find(request)))
        except VtsServingError as exc:
            return _error(exc)

    async def model_ready(request: Request) -> Response:
        try:
            find(request)
        except VtsServingError as exc:
            return _error(exc)
        return Response(status_code=200 if state.ready else 400)

    async def infer(request: Request) -> Response:
        try:
            scoring = find(request)
            if not state.ready:
                raise ServiceUnavailable(state.error or "not ready: models are loading", retry_after=1)
            body = await read_body(request, limits.max_body_size, limits.body_timeout)
            watch_client(request)
            parsed, tensors = read_request(body, request.headers.get(HEADER_LENGTH))
            outputs = await scoring.infer(tensors, model_params(parsed))
            header = {"model_name": scoring.name, "model_version": scoring.model.tag.version}
            content, headers = write_response({**header, **({"id": parsed.id} if parsed.id else {})}, outputs, parsed)
        except VtsServingError as exc:
            return _error(exc)
        except ClientDisconnect:
            return Response(status_code=400)
        except Exception:
            log.exception("V2 inference on %s failed", request.url.path)
            return _error(VtsServingError("internal error; see the server log"))
        media = "application/octet-stream" if headers else "application/json"
        return Response(content, media_type=media, headers=headers)

    routes = [
        Route("/v2", server_metadata, methods=["GET"]),
        Route("/v2/health/live", live, methods=["GET"]),
        Route("/v2/health/ready", ready, methods=["GET"]),
    ]
    for base in ("/v2/models/{name}", "/v2/models/{name}/versions/{version}"):
        routes += [
            Route(base, model_metadata, methods=["GET"]),
            Route(base + "/ready", model_ready, methods=["GET"]),
            Route(base + "/infer", infer, methods=["POST"]),
        ]
    return routes


def _metadata(scoring: MLflowScoring) -> dict[str, Any]:
    def tensors(specs: list[Any]) -> list[dict[str, Any]]:
        return [{"name": t.name, "datatype": datatype_of(t.dtype), "shape": list(t.shape)} for t in specs]

    return {
        "name": scoring.name,
        "versions": [scoring.model.tag.version],
        "platform": _PLATFORM,
        "inputs": tensors(scoring.tensor_inputs()),
        "outputs": tensors(scoring.tensor_outputs()),
    }


def _error(exc: VtsServingError) -> Response:
    headers = {"retry-after": str(int(exc.retry_after or 1))} if isinstance(exc, ServiceUnavailable) else {}
    return Response(orjson.dumps({"error": exc.message}), status_code=exc.status_code,
                    media_type="application/json", headers=headers)
