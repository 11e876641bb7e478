"""The local model store: `vtsserving.models.list/get/delete/create/export_model/import_model`."""

from ._store import (
    ModelSummary,
    create,
    delete,
    export_model,
    get,
    get_for_module,
    import_model,
    list_models,
    model_store,
    summaries,
)
from .model import MODEL_YAML, Model, ModelContext, ModelInfo, ModelSignature

# `vtsserving.models.list()` as in BentoML; defined as `list_models` so no module that holds
# annotations rebinds the builtin `list`.
list = list_models  # noqa: A001

__all__ = [
    "MODEL_YAML",
    "Model",
    "ModelContext",
    "ModelInfo",
    "ModelSignature",
    "ModelSummary",
    "create",
    "delete",
    "export_model",
    "get",
    "get_for_module",
    "import_model",
    "list",
    "list_models",
    "model_store",
    "summaries",
]
