"""A generic versioned store of directories, used for models and vts bundles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._scan import cached_yaml, creation_time, folder_size, info_field, info_scalars
from ._store import Store, StoreItem

if TYPE_CHECKING:
    from .archive import ArchiveLimits, export_archive, import_archive

__all__ = [
    "ArchiveLimits",
    "Store",
    "StoreItem",
    "cached_yaml",
    "creation_time",
    "export_archive",
    "folder_size",
    "import_archive",
    "info_field",
    "info_scalars",
]


def __getattr__(name: str) -> Any:
    """The archive names load tarfile on first use, keeping CLI start fast."""
    if name in ("ArchiveLimits", "export_archive", "import_archive"):
        from . import archive

        return getattr(archive, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
