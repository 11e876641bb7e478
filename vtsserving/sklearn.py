"""`vtsserving.sklearn`: scikit-learn models (see `vtsserving.frameworks.sklearn`)."""

from .frameworks.sklearn import (
    DEFAULT_SIGNATURES,
    MODULE_NAME,
    get,
    get_runnable,
    load_model,
    save_model,
)

__all__ = ["DEFAULT_SIGNATURES", "MODULE_NAME", "get", "get_runnable", "load_model", "save_model"]
