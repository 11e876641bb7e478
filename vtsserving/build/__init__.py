"""Build vts bundles: `vtsserving.build(...)`, the vtsfile schema, and the vts store.

`vtsserving.build` is both this package and a function: the module is callable, so
`vtsserving.build(service="service:svc", ...)` and `vtsserving.build(build_ctx=".")` both build.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from ..tag import Tag
from .builder import build_from_config
from .config import VTSFILE, CondaOptions, PythonOptions, VtsfileConfig, load_vtsfile
from .vts import VTS_YAML, Vts, VtsInfo, delete, export_vts, get, import_vts, list_vts, vts_store

list = list_vts  # noqa: A001 - `vtsserving.build.list()` mirrors `vtsserving.models.list()`


def build(
    service: str | None = None,
    *,
    build_ctx: str | Path | None = None,
    vtsfile: str | Path | None = None,
    version: str | None = None,
    name: str | None = None,
    description: str | None = None,
    labels: dict[str, Any] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    python: dict[str, Any] | None = None,
    conda: dict[str, Any] | None = None,
    docker: dict[str, Any] | None = None,
) -> Vts:
    """Build a vts into the local store and return it.

    With `service` the options come from the arguments; without it from `vtsfile`
    (default `<build_ctx>/vtsfile.yaml`). Paths are relative to `build_ctx` (default: cwd).
    """
    ctx = Path(build_ctx or ".").resolve()
    if service is None:
        path = Path(vtsfile) if vtsfile else ctx / VTSFILE
        config = load_vtsfile(path if path.is_absolute() else Path.cwd() / path, ctx)
        return build_from_config(config, ctx, version=version, source=str(path))
    given = {"service": service, "name": name, "description": description, "labels": labels,
             "include": include, "exclude": exclude, "python": python, "conda": conda, "docker": docker}
    data = {k: v for k, v in given.items() if v is not None}
    config = VtsfileConfig.from_dict(data, "vtsserving.build()").resolved(ctx, "vtsserving.build()")
    return build_from_config(config, ctx, version=version, source="vtsserving.build()")


class _CallableModule(types.ModuleType):
    """Lets `vtsserving.build(...)` call `build` while `vtsserving.build.Vts` stays a module attribute."""

    def __call__(self, *args: Any, **kwargs: Any) -> Vts:
        return build(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "VTSFILE",
    "VTS_YAML",
    "CondaOptions",
    "PythonOptions",
    "Tag",
    "Vts",
    "VtsInfo",
    "VtsfileConfig",
    "build",
    "build_from_config",
    "delete",
    "export_vts",
    "get",
    "import_vts",
    "list",
    "list_vts",
    "load_vtsfile",
    "vts_store",
]
