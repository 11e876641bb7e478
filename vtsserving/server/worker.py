"""Run the server: N uvicorn worker processes, each running the service's models itself.

Process model, chosen by measurement (scripts/bench/serve.py, scripts/bench/runner_ipc.py;
iris LogisticRegression imported from MLflow, 32 connections, wrk on the same 2 cores):

    hand a call to the in-process model thread      85 us
    round trip to another process (pickle + pipe)  393 us (x4.6), before any batching

The time goes to HTTP and JSON, not to the model: batched, a row costs microseconds. A
separate runner process would add a serialization hop to every request (x4.6 the in-process
hand-off) and take CPU from HTTP to save almost nothing, so models run inside each API worker:
each worker loads them, batches its own requests and calls the model on one thread. Calling
cheap models on the event loop instead of that thread was tried and measured worse (server CPU
a request 227-260 us against 210-213 us): the thread overlaps the model with socket I/O.

Worker count. `--production` starts one worker per CPU, so a server that has the machine to
itself (a container; its clients elsewhere) uses every core. On this 2-core box wrk takes most
of a core and other jobs share the rest: 1 worker led in both full bench runs, interleaved A/B
runs were mixed, and both counts met the issue's targets in the last run (req/s, after the
per-request cuts: MLflow fast path, orjson, leaner middleware):

    run (load average)          1 worker              2 workers            bare starlette
    quiet (0.7)                 4,520  p99 20 ms      5,406  p99 24 ms     10,250 (1 worker)
    bench run (1.6-2.2)         5,301  p99 24 ms      3,174  p99 124 ms     9,654
    bench run (0.8-2.7)         5,925  p99 21 ms      4,268  p99 38 ms      7,979
    interleaved A/B (2.5-3.2)   2,915 / 6,754         4,880 / 4,625
    before the cuts (3-5)       2,440  p99 37 ms      1,534  p99 54 ms      6,887

Server CPU a request (the steadier figure): about 200 us for either count, bare 130 us. After
models load, `gc.freeze()` keeps them out of full collections (shorter pauses, better p99).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from typing import Any

from .config import load_config
from .settings import MULTIPROC_ENV, WorkerSettings, scoped_env, serving_process
from .target import find_vts, load_target, service_dir

_keep_serving = contextlib.ExitStack()  # a spawned worker's serving_process(), open for its life


def app_factory() -> Any:
    """Build the app in a spawned worker process from the settings `serve()` handed over."""
    settings = WorkerSettings.from_env()
    _keep_serving.enter_context(serving_process(settings))  # this process only; before the app import
    _setup_logging()
    return _create_app(settings)


def _create_app(settings: WorkerSettings, svc: Any = None) -> Any:
    from .app import create_app
    from .readiness import Readiness

    svc = svc or load_target(settings.target, settings.working_dir)
    return create_app(svc, settings.config, Readiness(settings.ready_dir, settings.workers))


def serve(
    target: str,
    *,
    working_dir: str,
    host: str,
    port: int,
    workers: int,
    reload: bool = False,
    production: bool = False,
    config_path: str | None = None,
) -> None:
    """Check that the service imports, then run uvicorn with `workers` processes."""
    import uvicorn

    working_dir = os.path.abspath(working_dir)
    config = load_config(config_path)
    svc = load_target(target, working_dir)  # fails here, once, with a clear message
    vts = find_vts(target, working_dir)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "timeout_graceful_shutdown": config.api_server.graceful_shutdown_timeout,
        "access_log": not production,
        "log_level": "info",
        "backlog": 2048,
        "proxy_headers": not production,  # production: no X-Forwarded-For rewriting (one layer less)
        "http": _http_protocol(config) if _has("httptools") else "h11",
        "loop": "uvloop" if _has("uvloop") else "asyncio",
    }
    _setup_logging()
    with _shared_dirs(workers) as (ready_dir, metrics_dir), _exit_zero_on_sigterm():
        settings = WorkerSettings(
            target=target, working_dir=working_dir, service_dir=service_dir(target, working_dir),
            config=config, workers=workers, model_store=vts.path_of("models") if vts else None,
            ready_dir=ready_dir, metrics_dir=metrics_dir,
        )
        if workers > 1 or reload:
            reload_dirs = [settings.service_dir] if reload else None
            with scoped_env(settings.to_env()):
                uvicorn.run(
                    "vtsserving.server.worker:app_factory", factory=True, workers=workers,
                    reload=reload, reload_dirs=reload_dirs, **options,
                )
        else:
            with serving_process(settings):
                uvicorn.run(_create_app(settings, svc), **options)


@contextlib.contextmanager
def _shared_dirs(workers: int) -> Iterator[tuple[str | None, str | None]]:
    """Temporary ready and metrics folders that several workers share; none for one worker."""
    if workers <= 1:
        yield None, None
        return
    ready_dir = tempfile.mkdtemp(prefix="vtsserving-ready-")
    metrics_dir = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="vtsserving-metrics-")
    try:
        yield ready_dir, metrics_dir
    finally:
        shutil.rmtree(ready_dir, ignore_errors=True)
        if metrics_dir != os.environ.get(MULTIPROC_ENV):
            shutil.rmtree(metrics_dir, ignore_errors=True)


@contextlib.contextmanager
def _exit_zero_on_sigterm() -> Iterator[None]:
    """uvicorn re-raises SIGTERM after a graceful shutdown; a no-op handler makes that exit 0."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _http_protocol(config: Any) -> Any:
    """httptools with a request-head deadline and a connection cap (see `server/protocol.py`)."""
    from .protocol import GuardedHttpToolsProtocol

    api = config.api_server
    return functools.partial(GuardedHttpToolsProtocol, header_timeout=api.header_timeout,
                             max_connections=min(api.max_connections, _open_files_limit() - 64))


def _open_files_limit() -> int:
    """Raise this process's open-files limit to its hard limit (workers inherit it); the result."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
    return soft


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _setup_logging() -> None:
    logger = logging.getLogger("vtsserving")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
