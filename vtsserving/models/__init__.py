"""The local model store: `vtsserving.models.list/get/delete/create/export_model/import_model`.

Names load on first use: `vtsserving models list` needs only the store index, not pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._index import MODEL_YAML, ModelSummary, model_store, summaries
    from ._store import (
        create,
        delete,
        export_model,
        get,
        get_for_module,
        import_model,
        list_models,
    )
    from .model import Model, ModelContext, ModelInfo, ModelSignature

    list = list_models  # noqa: A001

_WHERE = {
    "MODEL_YAML": "_index", "ModelSummary": "_index", "model_store": "_index", "summaries": "_index",
    "create": "_store", "delete": "_store", "export_model": "_store", "get": "_store",
    "get_for_module": "_store", "import_model": "_store", "list_models": "_store",
    "Model": "model", "ModelContext": "model", "ModelInfo": "model", "ModelSignature": "model",
}

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


def __getattr__(name: str) -> Any:
    # `vtsserving.models.list()` as in BentoML; the function is `list_models`, so no module that
    # holds annotations rebinds the builtin `list`.
    attr = "list_models" if name == "list" else name
    if attr not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[attr]}", __name__), attr)
