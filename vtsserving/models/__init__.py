"""The local model store: `vtsserving.models.list/get/delete/create/export_model/import_model`."""

from ._store import (
    create,
    delete,
    export_model,
    get,
    get_for_module,
    import_model,
    list,
    model_store,
)
from .model import MODEL_YAML, Model, ModelContext, ModelInfo, ModelSignature

__all__ = [
    "MODEL_YAML",
    "Model",
    "ModelContext",
    "ModelInfo",
    "ModelSignature",
    "create",
    "delete",
    "export_model",
    "get",
    "get_for_module",
    "import_model",
    "list",
    "model_store",
]
