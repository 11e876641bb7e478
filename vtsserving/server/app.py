"""The ASGI app of a service: its APIs, OpenAPI + Swagger UI, health routes and metrics.

A service that serves imported MLflow models also speaks MLflow's scoring protocol
(`scoring.py`: `/ping`, `/version`, `/invocations`) and KServe's V2 protocol (`v2.py`).

Models load in the background after startup: `/livez` answers at once, `/readyz` and the APIs
answer 503 (with Retry-After) until every runner is ready. A worker started while another worker
of the server is serving (a replacement for one that crashed) loads its models before it takes any
connection, so the ready workers keep taking them all. After loading, `gc.freeze()` moves the
model's objects out of the collector's sight, which shortens full collections (p99).

Each request tells the runners how to see that its client left (`CLIENT_GONE`): such a request
is dropped before its model call and counted with status 499. On SIGTERM (`protocol.DRAIN`) the
worker turns unready, and work still queued shortly before `graceful_shutdown_timeout` is
answered 503 + Retry-After rather than cancelled.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import random
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from ..exceptions import InternalError, ServiceUnavailable, VtsServingError
from ..frameworks.mlflow import is_scoring_api
from ..runner.admission import ClientGone
from . import metrics
from .body import header, read_body, watch_client
from .config import ServerConfig
from .docs import swagger_routes
from .middleware import ServingApp
from .protocol import DRAIN
from .readiness import Readiness
from .scoring import extra_apis, scoring_error_response, scoring_routes
from .v2 import v2_routes

if TYPE_CHECKING:
    from ..service import InferenceAPI, Service

log = logging.getLogger("vtsserving.server")
_IMPORTED = time.monotonic()


_REQUEST_ID = b"x-request-id"


def new_request_id() -> str:
    """16 hex digits: a correlation id, not a secret (no system call, unlike `secrets`; the
    `random` module reseeds in a forked worker)."""
    return f"{random.getrandbits(64):016x}"


def error_response(exc: VtsServingError, request_id: str) -> Response:
    headers = {"x-request-id": request_id}
    if isinstance(exc, ServiceUnavailable):
        headers["retry-after"] = str(int(exc.retry_after or 1))
    body = {"error": exc.message, "type": type(exc).__name__, "request_id": request_id}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _api_endpoint(api: InferenceAPI, state: Readiness, config: ServerConfig) -> Any:
    from ..io import Multipart

    limit, body_timeout = config.api_server.max_body_size, config.api_server.body_timeout
    as_kwargs = isinstance(api.input, Multipart)
    render_error = scoring_error_response if is_scoring_api(api) else error_response
    func, read_input, write_output = api.func, api.input.from_http_request, api.output.to_http_response

    async def endpoint(request: Request) -> Response:
        request_id = header(request, _REQUEST_ID) or new_request_id()
        try:
            if not state.ready:
                raise ServiceUnavailable(state.error or "not ready: models are loading", retry_after=1)
            await read_body(request, limit, body_timeout)
            watch_client(request)
            value = await read_input(request)
            args, kwargs = ((), value) if as_kwargs else ((value,), {})
            if api.is_async:
                result = await func(*args, **kwargs)
            else:
                result = await run_in_threadpool(func, *args, **kwargs)
            response = write_output(result)
        except ClientGone:
            return Response(status_code=499)  # nobody to answer; counted in the metrics
        except VtsServingError as exc:
            if exc.status_code >= 500 and not isinstance(exc, ServiceUnavailable):
                log.error("request %s to %s failed", request_id, api.route, exc_info=exc)
            return render_error(exc, request_id)
        except ClientDisconnect:
            return Response(status_code=400)  # the client left mid-body: nobody to answer, nothing to log
        except Exception:
            log.exception("request %s to %s failed in the service code", request_id, api.route)
            message = f"internal error in API {api.name!r}; see the server log for request {request_id}"
            return render_error(InternalError(message), request_id)
        _tag(response, request_id)
        return response

    return endpoint


def _tag(response: Response, request_id: str) -> None:
    """Set the response's `x-request-id` (on its raw header list: no `MutableHeaders` built)."""
    raw = response.raw_headers
    if any(key == _REQUEST_ID for key, _ in raw):
        response.headers["x-request-id"] = request_id
    else:
        raw.append((_REQUEST_ID, request_id.encode("latin-1")))


async def _load_runners(svc: Service, config: ServerConfig, state: Readiness, started: float | None) -> None:
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, svc.import_io_modules)
        for runner in svc.runners:
            runner.configure(**config.runner_overrides(runner.name))
            start = time.perf_counter()
            await loop.run_in_executor(None, runner.init_local)
            runner.start(loop, batching=config.batching.enabled)
            models = ", ".join(str(m.tag) for m in runner.models) or "no stored model"
            log.info("runner %s loaded (%s) in %.2f s", runner.name, models, time.perf_counter() - start)
        gc.collect()
        gc.freeze()
        state.mark_ready()
        age = process_age()
        since_serve = time.time() - started if started else age
        log.info("service %s ready in %.2f s since `serve` started (worker pid %d, up %.2f s)",
                 svc.name, since_serve, os.getpid(), age)
    except Exception as exc:
        state.error = f"models failed to load: {type(exc).__name__}: {exc}"
        log.exception("loading the runners of %s failed", svc.name)


def process_age() -> float:
    """Seconds since this process started (Linux); since this module was imported elsewhere."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


def _start_draining(svc: Service, config: ServerConfig, state: Readiness) -> None:
    """SIGTERM: unready now; shortly before the graceful timeout, 503 for all still queued."""
    state.draining = True
    timeout = config.api_server.graceful_shutdown_timeout
    margin = min(1.0, timeout / 4)

    def shed() -> None:
        count = sum(runner.shed("server is shutting down; retry on another") for runner in svc.runners)
        if count:
            log.warning("shutting down: answered 503 to %d queued call(s)", count)

    asyncio.get_running_loop().call_later(max(timeout - margin, 0.0), shed)


def _size_thread_pools() -> None:
    """The event loop's default thread pool from the CPUs this container may use, not the host's."""
    from concurrent.futures import ThreadPoolExecutor

    from .resources import cpu_limit

    cpus = max(1, int(cpu_limit() + 0.99))
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(min(32, cpus + 4)))


def create_app(
    svc: Service, config: ServerConfig | None = None, readiness: Readiness | None = None,
    started: float | None = None,
) -> Any:
    """The ASGI app serving `svc`; `readiness` is shared with the other workers of a server;
    `started` is when `serve` began (for the "ready in X s" line)."""
    config = config or ServerConfig()
    state = readiness or Readiness()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        import anyio.to_thread

        # Sync APIs mostly wait for a runner there, so their cap is concurrency, not CPUs.
        anyio.to_thread.current_default_thread_limiter().total_tokens = 128
        _size_thread_pools()
        def drain() -> None:
            _start_draining(svc, config, state)

        DRAIN.on_start(drain)
        if state.others_ready():  # a replacement: the ready workers keep serving while it loads
            await _load_runners(svc, config, state, started)
            task = None
        else:
            task = asyncio.get_running_loop().create_task(_load_runners(svc, config, state, started))
        yield
        DRAIN.remove(drain)
        if task is not None:
            task.cancel()
        for runner in svc.runners:
            await runner.stop()
        state.mark_stopped()
        metrics.mark_process_dead(os.getpid())

    async def livez(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        if state.server_ready():
            return PlainTextResponse("ready")
        return PlainTextResponse(state.message(), status_code=503, headers={"retry-after": "1"})

    async def metrics_route(request: Request) -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    spec: list[dict] = []  # made on first request: an MLflow signature costs an `import mlflow`

    async def docs_json(request: Request) -> Response:
        if not spec:
            spec.append(await asyncio.to_thread(svc.openapi_spec))
        return JSONResponse(spec[0])

    apis = [*svc.apis.values(), *extra_apis(svc)]
    endpoints = {api.route: _api_endpoint(api, state, config) for api in apis}
    routes: list[Route | Mount] = [
        Route(path, endpoint, methods=["POST"]) for path, endpoint in endpoints.items()
    ]
    routes += [
        Route("/livez", livez, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/healthz", readyz, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
        Route("/docs.json", docs_json, methods=["GET"]),
        *swagger_routes(svc.name),
        *scoring_routes(svc, state),
        *v2_routes(svc, state, config.api_server),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.readiness = state
    app.state.service = svc
    return ServingApp(app, endpoints, {r.path for r in routes if isinstance(r, Route)})
