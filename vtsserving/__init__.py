"""VtsServing: take a trained model to a versioned bundle, an image and a fast HTTP server.

Heavy modules (`mlflow`, `sklearn`, `pytorch`, `io`, `builder`, ...) are imported on first
attribute access so that `import vtsserving` and the CLI start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .exceptions import VtsServingError
from .tag import Tag

if TYPE_CHECKING:
    from . import containerize, exceptions, io, mlflow, models, pytorch, sklearn, vts
    from .builder import build
    from .runner import Runnable, Runner
    from .service import Service

_SUBMODULES = {"containerize", "exceptions", "io", "mlflow", "models", "pytorch", "sklearn", "vts"}
_ATTRS = {
    "Service": ("service", "Service"),
    "Runner": ("runner", "Runner"),
    "Runnable": ("runner", "Runnable"),
    "build": ("builder", "build"),
}

__all__ = [
    "Runnable",
    "Runner",
    "Service",
    "Tag",
    "VtsServingError",
    "__version__",
    "build",
    "containerize",
    "exceptions",
    "io",
    "mlflow",
    "models",
    "pytorch",
    "sklearn",
    "vts",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _ATTRS:
        module, attr = _ATTRS[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'vtsserving' has no attribute {name!r}")
