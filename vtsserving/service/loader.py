"""Import a `Service` from `module[:attr]` in a folder, leaving `sys.path` as it was."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator

from ..exceptions import InvalidArgument, VtsServingError
from .service import Service


class ServiceImportError(InvalidArgument):
    """The service module could not be imported or has no such Service."""


@contextlib.contextmanager
def importable_from(folder: str) -> Iterator[None]:
    """Put `folder` first on sys.path inside the block (unless it is there already)."""
    if folder in sys.path:
        yield
        return
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def module_name_of(import_str: str) -> str:
    """`service:svc` -> `service`; `pkg/service.py:svc` -> `pkg.service`."""
    module_name = import_str.partition(":")[0]
    if module_name.endswith(".py"):
        module_name = module_name[:-3].replace("/", ".").replace(os.sep, ".")
    return module_name


def import_service(import_str: str, working_dir: str) -> Service:
    """Import `module[:attr]` from `working_dir`; without `attr`, the module's one Service.

    `working_dir` is on sys.path only during the import. A server process that lets its service
    import more modules later keeps the folder on sys.path itself.
    """
    module_name, attr = module_name_of(import_str), import_str.partition(":")[2]
    if not module_name:
        raise ServiceImportError(f"{import_str!r} is not a service import string like 'service:svc'")
    try:
        with importable_from(working_dir):
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
