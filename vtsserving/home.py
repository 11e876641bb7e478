"""Where VtsServing keeps its stores: `$VTSSERVING_HOME`, default `~/vtsserving`.

`VTSSERVING_MODEL_STORE` points the model store elsewhere: a served vts sets it to its own
`models/` folder so the service finds the models it was built with.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "VTSSERVING_HOME"
MODEL_STORE_ENV = "VTSSERVING_MODEL_STORE"


def _expand(value: str) -> Path:
    return Path(os.path.expandvars(value)).expanduser()


def vtsserving_home() -> Path:
    """The home folder, read from the environment on each call so tests can move it."""
    value = os.environ.get(HOME_ENV)
    return _expand(value) if value else Path.home() / "vtsserving"


def models_dir() -> Path:
    value = os.environ.get(MODEL_STORE_ENV)
    return _expand(value) if value else vtsserving_home() / "models"


def vts_dir() -> Path:
    return vtsserving_home() / "vts"
