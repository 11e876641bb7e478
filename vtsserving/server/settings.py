"""`WorkerSettings`: everything a server process needs, handed from `serve()` to each worker.

Worker processes are started by uvicorn from an import string, so the settings travel as one
JSON environment variable, set only while `serve()` runs. What a serving process changes about
itself (metrics folder, model store, working folder, `sys.path`) is applied by
`serving_process()` inside that process alone, and undone when an in-process server returns.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..home import MODEL_STORE_ENV
from .config import ServerConfig

SETTINGS_ENV = "VTSSERVING_WORKER_SETTINGS"
# prometheus-client's multiprocess folder; this module must not import prometheus-client itself.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class WorkerSettings(BaseModel):
    """The serve target, its folders and the server configuration, as one object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: str
    working_dir: str
    service_dir: str
    config: ServerConfig = ServerConfig()
    workers: int = 1
    model_store: str | None = None  # a served vts's own models/
    ready_dir: str | None = None  # where workers mark themselves ready (several workers)
    metrics_dir: str | None = None  # prometheus-client's multiprocess folder (several workers)
    started: float | None = None  # when `serve()` began (epoch seconds), for "ready in X s"
    error_file: str | None = None  # where a worker that cannot import the service says why

    def to_env(self) -> dict[str, str]:
        return {SETTINGS_ENV: self.model_dump_json()}

    @classmethod
    def from_env(cls) -> WorkerSettings:
        return cls.model_validate_json(os.environ[SETTINGS_ENV])


@contextlib.contextmanager
def scoped_env(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables inside the block; restore the old values after it."""
    old = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def serving_process(settings: WorkerSettings) -> Iterator[None]:
    """This process as a server of `settings`: its env, working folder and import path.

    Enter it before the app is imported (prometheus-client reads its folder at import time).
    """
    env = {MULTIPROC_ENV: settings.metrics_dir, MODEL_STORE_ENV: settings.model_store}
    old_cwd = os.getcwd()
    with scoped_env({k: v for k, v in env.items() if v}):
        added = settings.service_dir not in sys.path
        if added:
            sys.path.insert(0, settings.service_dir)
        if Path(settings.service_dir).is_dir():
            os.chdir(settings.service_dir)
        try:
            yield
        finally:
            os.chdir(old_cwd)
            if added:
                with contextlib.suppress(ValueError):
                    sys.path.remove(settings.service_dir)
