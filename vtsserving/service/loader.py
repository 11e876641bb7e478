"""Find a `Service` from `module:attr`, a vts folder, or a vts tag in the local store."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import yaml

from .. import home
from ..exceptions import InvalidArgument, NotFound, VtsServingError
from ..tag import Tag
from .service import Service

VTS_INFO_FILE = "vts.yaml"
VTSFILE = "vtsfile.yaml"
MLFLOW_PREFIX = "mlflow-model:"


class ServiceImportError(InvalidArgument):
    """The service module could not be imported or has no such Service."""


def load(target: str, working_dir: str | None = None) -> Service:
    """The Service that `target` names: a vts folder, a vts tag, `module[:attr]`,
    or `mlflow-model:TAG` (an imported MLflow model served at /invocations, no code)."""
    base = Path(working_dir or os.getcwd()).resolve()
    if target.startswith(MLFLOW_PREFIX):
        from ..server.mlflow_scoring import mlflow_service

        svc = mlflow_service(target[len(MLFLOW_PREFIX):])
        svc.working_dir = str(base)
        return svc
    path = Path(target) if Path(target).is_absolute() else base / target
    if path.is_dir() and (path / VTS_INFO_FILE).is_file():
        return load_vts_dir(path)
    vts_path = _vts_in_store(target)
    if vts_path is not None:
        return load_vts_dir(vts_path)
    return import_service(target, str(base))


def default_target(working_dir: str | None = None) -> str:
    """The `service:` of ./vtsfile.yaml, for `vtsserving serve` without a target."""
    vtsfile = Path(working_dir or os.getcwd()) / VTSFILE
    if not vtsfile.is_file():
        raise NotFound(f"no TARGET given and no {VTSFILE} in {vtsfile.parent}")
    data = yaml.safe_load(vtsfile.read_text()) or {}
    service = data.get("service") if isinstance(data, dict) else None
    if not isinstance(service, str):
        raise InvalidArgument(f"{vtsfile}: key 'service' must be a string like 'service:svc'")
    return service


def _vts_in_store(target: str) -> Path | None:
    try:
        tag = Tag.from_str(target)
    except (VtsServingError, ValueError):
        return None
    from ..store import Store

    store = Store(home.vts_dir(), "vts", VTS_INFO_FILE)
    try:
        if not store.list(tag.name):
            return None
        return Path(store.get(tag).path)
    except NotFound:
        return None


def load_vts_dir(path: Path) -> Service:
    """Import the service of a built vts: its `src/` on sys.path, its `models/` as the store."""
    info = yaml.safe_load((path / VTS_INFO_FILE).read_text()) or {}
    import_str = info.get("service") if isinstance(info, dict) else None
    if not isinstance(import_str, str):
        raise InvalidArgument(f"{path / VTS_INFO_FILE}: key 'service' must be 'module:attr'")
    os.environ[home.MODEL_STORE_ENV] = str(path / "models")
    svc = import_service(import_str, str(path / "src"))
    svc.vts_path = str(path)  # type: ignore[attr-defined]
    return svc


def import_service(import_str: str, working_dir: str) -> Service:
    """Import `module[:attr]` with `working_dir` first on sys.path."""
    module_name, _, attr = import_str.partition(":")
    if module_name.endswith(".py"):
        module_name = module_name[:-3].replace("/", ".").replace(os.sep, ".")
    if not module_name:
        raise ServiceImportError(f"{import_str!r} is not a service import string like 'service:svc'")
    if working_dir not in sys.path:
        sys.path.insert(0, working_dir)
    try:
        module = importlib.import_module(module_name)
    except VtsServingError:
        raise
    except Exception as exc:
        raise ServiceImportError(
            f"failed to import service module {module_name!r} (from {working_dir}):"
            f" {type(exc).__name__}: {exc}"
        ) from exc
    svc = _find_service(module, module_name, attr)
    svc.import_str = f"{module_name}:{attr or _attr_of(module, svc)}"
    svc.working_dir = working_dir
    return svc


def _find_service(module: object, module_name: str, attr: str) -> Service:
    if attr:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part, None)
        if not isinstance(obj, Service):
            raise ServiceImportError(f"{module_name}:{attr} is not a vtsserving.Service")
        return obj
    found = [v for v in vars(module).values() if isinstance(v, Service)]
    if len(found) != 1:
        raise ServiceImportError(
            f"module {module_name!r} has {len(found)} Service objects; name one as"
            f" '{module_name}:<attribute>'"
        )
    return found[0]


def _attr_of(module: object, svc: Service) -> str:
    return next(k for k, v in vars(module).items() if v is svc)
