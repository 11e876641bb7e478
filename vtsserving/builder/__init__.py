"""Build vts bundles: `vtsserving.build(...)`, the vtsfile schema, the Python and conda envs.

The built bundles and their store are `vtsserving.vts`; this package only writes new ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..vts import Vts
from .config import (
    VTSFILE,
    CondaOptions,
    PythonOptions,
    VtsfileConfig,
    load_vtsfile,
    vtsfile_service,
)
from .pipeline import build_from_config


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
    """`vtsserving.build(...)`: build a vts into the local store and return it.

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


__all__ = [
    "VTSFILE",
    "CondaOptions",
    "PythonOptions",
    "VtsfileConfig",
    "build",
    "build_from_config",
    "load_vtsfile",
    "vtsfile_service",
]
