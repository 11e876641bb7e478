"""What `vtsserving serve TARGET` names: `mlflow-model:TAG`, a vts folder, a vts tag, or `module[:attr]`."""

from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import NotFound, VtsServingError
from ..frameworks.mlflow import TARGET_PREFIX
from ..service import Service, import_service
from ..tag import Tag
from ..vts import Vts, get, is_vts_folder, load_service, vts_store


def find_vts(target: str, working_dir: str | Path) -> Vts | None:
    """The vts that `target` names (a folder, or a tag in the store), else None."""
    path = Path(target) if Path(target).is_absolute() else Path(working_dir) / target
    if path.is_dir() and is_vts_folder(path):
        return Vts.from_path(path)
    try:
        tag = Tag.from_str(target)
    except (VtsServingError, ValueError):
        return None
    if not vts_store().list(tag.name):
        return None
    try:
        return get(tag)
    except NotFound:
        return None


def load_target(target: str, working_dir: str | None = None) -> Service:
    """The Service that `target` names; relative paths and modules are looked up in `working_dir`."""
    base = Path(working_dir or os.getcwd()).resolve()
    if target.startswith(TARGET_PREFIX):
        from ..frameworks.mlflow import service

        svc = service(target[len(TARGET_PREFIX):])
        svc.working_dir = str(base)
        return svc
    vts = find_vts(target, base)
    if vts is not None:
        return load_service(vts)
    return import_service(target, str(base))


def service_dir(target: str, working_dir: str) -> str:
    """The folder a server for `target` works in: a vts's `src/`, else `working_dir`."""
    if target.startswith(TARGET_PREFIX):
        return working_dir
    vts = find_vts(target, working_dir)
    return vts.path_of("src") if vts is not None else working_dir
