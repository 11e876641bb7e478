"""Where VtsServing keeps its stores: `$VTSSERVING_HOME`, default `~/vtsserving`."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "VTSSERVING_HOME"


def vtsserving_home() -> Path:
    """The home folder, read from the environment on each call so tests can move it."""
    value = os.environ.get(HOME_ENV)
    return Path(os.path.expandvars(value)).expanduser() if value else Path.home() / "vtsserving"


def models_dir() -> Path:
    return vtsserving_home() / "models"


def vts_dir() -> Path:
    return vtsserving_home() / "vts"
