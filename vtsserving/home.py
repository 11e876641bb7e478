"""Where VtsServing keeps its stores: `$VTSSERVING_HOME`, default `~/vtsserving`.

The model store can be pointed elsewhere for one block of code (`model_store_override`): loading
a built vts does that so its service finds the models it was built with, and nothing else in the
process sees the change. `VTSSERVING_MODEL_STORE` does the same for a whole process (a server).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

HOME_ENV = "VTSSERVING_HOME"
MODEL_STORE_ENV = "VTSSERVING_MODEL_STORE"

_MODEL_STORE: ContextVar[Path | None] = ContextVar("vtsserving_model_store", default=None)


def _expand(value: str) -> Path:
    return Path(os.path.expandvars(value)).expanduser()


def vtsserving_home() -> Path:
    """The home folder, read from the environment on each call so tests can move it."""
    value = os.environ.get(HOME_ENV)
    return _expand(value) if value else Path.home() / "vtsserving"


def models_dir() -> Path:
    """The model store: the innermost override, else `$VTSSERVING_MODEL_STORE`, else the home's."""
    override = _MODEL_STORE.get()
    if override is not None:
        return override
    value = os.environ.get(MODEL_STORE_ENV)
    return _expand(value) if value else vtsserving_home() / "models"


@contextlib.contextmanager
def model_store_override(path: str | Path) -> Iterator[Path]:
    """Use `path` as the model store inside the block (this thread or task only)."""
    token = _MODEL_STORE.set(Path(path))
    try:
        yield Path(path)
    finally:
        _MODEL_STORE.reset(token)


def vts_dir() -> Path:
    return vtsserving_home() / "vts"
