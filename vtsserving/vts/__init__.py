"""Built bundles: `Vts`, its `vts.yaml`, and the local vts store (the mirror of `vtsserving.models`).

    vtsserving.vts.list()                   # every vts, oldest first
    vtsserving.vts.get("iris_svc:latest")   # one, by tag or unique version prefix
"""

from ._service import load_service
from ._store import (
    delete,
    export_vts,
    get,
    import_vts,
    is_vts_folder,
    list_vts,
    resolve,
    vts_store,
)
from .vts import VTS_YAML, Vts, VtsApiInfo, VtsInfo, VtsModelInfo, VtsRunnerInfo

# `vtsserving.vts.list()` as `vtsserving.models.list()`; defined as `list_vts` so no module that
# holds annotations rebinds the builtin `list`.
list = list_vts  # noqa: A001

__all__ = [
    "VTS_YAML",
    "Vts",
    "VtsApiInfo",
    "VtsInfo",
    "VtsModelInfo",
    "VtsRunnerInfo",
    "delete",
    "export_vts",
    "get",
    "import_vts",
    "is_vts_folder",
    "list",
    "list_vts",
    "load_service",
    "resolve",
    "vts_store",
]
