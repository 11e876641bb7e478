"""A generic versioned store of directories, used for models and vts bundles."""

from ._store import Store, StoreItem

__all__ = ["Store", "StoreItem"]
