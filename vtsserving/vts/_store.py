"""Functions over the local vts store: list, get, delete, export, import, and a vts by tag or path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._info import validate_info
from ..home import vts_dir
from ..store import ArchiveLimits, Store
from ..tag import Tag
from .vts import VTS_YAML, Vts, VtsInfo


def vts_store(root: Path | None = None) -> Store:
    """The vts store under `$VTSSERVING_HOME/vts` (read afresh each call)."""
    return Store(root or vts_dir(), "vts", VTS_YAML)


def list_vts(name: str | None = None) -> list[Vts]:
    """`vtsserving.vts.list()`: every vts in the store, or every version of `name`, oldest first."""
    return [Vts.from_path(item.path) for item in vts_store().list(name)]


def get(tag: str | Tag) -> Vts:
    """The vts for `name`, `name:latest`, `name:version` or a unique version prefix."""
    return Vts.from_path(vts_store().get(tag).path)


def is_vts_folder(path: str | Path) -> bool:
    """True when `path` is a folder holding a `vts.yaml` (a built vts, in a store or not)."""
    return (Path(path) / VTS_YAML).is_file()


def resolve(tag_or_path: str | Path) -> Vts:
    """A vts folder given by path, else the vts with that tag in the store."""
    path = Path(str(tag_or_path)).expanduser()
    if path.is_dir() and is_vts_folder(path):
        return Vts.from_path(path)
    return get(str(tag_or_path))


def delete(tag: str | Tag) -> Tag:
    """Delete one vts version; returns the resolved tag."""
    return vts_store().delete(tag).tag


def export_vts(tag: str | Tag, dest: str | None = None, *,
               storage_options: dict[str, Any] | None = None) -> str:
    """Write the vts as a `.tar.gz` to a file, folder or URL (`s3://...`; default: cwd)."""
    from ..store.archive import export_archive

    item = vts_store().get(tag)
    return export_archive(item.path, dest or os.getcwd(), storage_options=storage_options)


def _validate_info(data: Any, where: str) -> Tag:
    return validate_info(VtsInfo, data, where).tag


def import_vts(src: str, *, overwrite: bool = False, storage_options: dict[str, Any] | None = None,
               limits: ArchiveLimits | None = None) -> Vts:
    """Import an archive written by `export_vts` into the store; an existing version is a Conflict.

    `limits` caps what the archive may unpack to (default `vtsserving.store.ArchiveLimits()`).
    """
    from ..store.archive import import_archive

    item = import_archive(vts_store(), os.fspath(src), overwrite=overwrite, validate=_validate_info,
                          storage_options=storage_options, limits=limits)
    return Vts.from_path(item.path)
