"""`vtsserving.pytorch`: PyTorch models (see `vtsserving.frameworks.pytorch`)."""

from .frameworks.pytorch import (
    DEFAULT_SIGNATURES,
    MODULE_NAME,
    get,
    get_runnable,
    load_model,
    save_model,
)

__all__ = ["DEFAULT_SIGNATURES", "MODULE_NAME", "get", "get_runnable", "load_model", "save_model"]
