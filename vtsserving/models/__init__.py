"""The local model store: `vtsserving.models.list/get/delete/create` and `Model`."""

from ._store import create, delete, get, get_for_module, list, model_store
from .model import MODEL_YAML, Model, ModelContext, ModelInfo, ModelSignature

__all__ = [
    "MODEL_YAML",
    "Model",
    "ModelContext",
    "ModelInfo",
    "ModelSignature",
    "create",
    "delete",
    "get",
    "get_for_module",
    "list",
    "model_store",
]
