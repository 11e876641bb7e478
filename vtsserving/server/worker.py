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

import logging
import os
import shutil
import signal
import tempfile
from typing import Any

from .config import CONFIG_ENV, load_config
from .readiness import READY_DIR_ENV, WORKERS_ENV

TARGET_ENV = "VTSSERVING_SERVE_TARGET"
WORKDIR_ENV = "VTSSERVING_SERVE_WORKDIR"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set before any worker imports prometheus_client

def app_factory() -> Any:
    """Build the app in a worker process from the target the parent put in the environment."""
    from ..service import load
    from .app import create_app

    _setup_logging()
    svc = load(os.environ[TARGET_ENV], os.environ.get(WORKDIR_ENV))
    if svc.working_dir and os.path.isdir(svc.working_dir):
        os.chdir(svc.working_dir)
    return create_app(svc, load_config())


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

    from ..service import load

    if config_path:
        os.environ[CONFIG_ENV] = os.path.abspath(config_path)
    config = load_config()
    os.environ[TARGET_ENV] = target
    os.environ[WORKDIR_ENV] = os.path.abspath(working_dir)
    svc = load(target, working_dir)  # fails here, once, with a clear message
    multiproc_dir = None
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        multiproc_dir = tempfile.mkdtemp(prefix="vtsserving-metrics-")
        os.environ[MULTIPROC_ENV] = multiproc_dir
    ready_dir = None
    if workers > 1:
        ready_dir = tempfile.mkdtemp(prefix="vtsserving-ready-")
        os.environ[READY_DIR_ENV] = ready_dir
        os.environ[WORKERS_ENV] = str(workers)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "timeout_graceful_shutdown": config.api_server.graceful_shutdown_timeout,
        "access_log": not production,
        "log_level": "info",
        "backlog": 2048,
        "proxy_headers": not production,  # production: no X-Forwarded-For rewriting (one layer less)
        "http": "httptools" if _has("httptools") else "h11",
        "loop": "uvloop" if _has("uvloop") else "asyncio",
    }
    _setup_logging()
    # uvicorn re-raises SIGTERM after a graceful shutdown; a no-op handler turns that into exit 0.
    signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        if workers > 1 or reload:
            reload_dirs = [svc.working_dir] if reload and svc.working_dir else None
            uvicorn.run(
                "vtsserving.server.worker:app_factory", factory=True, workers=workers,
                reload=reload, reload_dirs=reload_dirs, **options,
            )
        else:
            from .app import create_app

            if svc.working_dir and os.path.isdir(svc.working_dir):
                os.chdir(svc.working_dir)
            uvicorn.run(create_app(svc, config), **options)
    finally:
        for folder in (multiproc_dir, ready_dir):
            if folder:
                shutil.rmtree(folder, ignore_errors=True)


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
