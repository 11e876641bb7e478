"""`Vts`: one stored bundle and its `vts.yaml`; list/get/delete/export/import over the vts store."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .._info import Labels, StoredFolder, read_info, validate_info
from .._version import __version__
from ..home import vts_dir
from ..store import Store
from ..tag import Tag

VTS_YAML = "vts.yaml"
API_VERSION = "v1"


class VtsModelInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    tag: str
    module: str
    creation_time: datetime | None = None


class VtsRunnerInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    runnable_type: str
    models: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=list)


class VtsApiInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    route: str
    input: Any
    output: Any
    doc: str | None = None


class VtsInfo(BaseModel):
    """The content of `vts.yaml` (on-disk format: tests pin it)."""

    model_config = ConfigDict(extra="allow")

    service: str
    name: str
    version: str
    creation_time: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    vtsserving_version: str = __version__
    labels: Labels = Field(default_factory=dict)
    models: list[VtsModelInfo] = Field(default_factory=list)
    runners: list[VtsRunnerInfo] = Field(default_factory=list)
    apis: list[VtsApiInfo] = Field(default_factory=list)
    docker: dict[str, Any] = Field(default_factory=dict)
    python: dict[str, Any] = Field(default_factory=dict)
    conda: dict[str, Any] | None = None
    api_version: str = API_VERSION

    @property
    def tag(self) -> Tag:
        return Tag(self.name, self.version)

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json")
        return yaml.safe_dump(data, sort_keys=False)

    @classmethod
    def from_file(cls, path: Path) -> VtsInfo:
        return read_info(cls, path, "vts")


class Vts(StoredFolder):
    """A built bundle: its tag, folder and `vts.yaml` info."""

    kind = "vts"
    info: VtsInfo

    @classmethod
    def from_path(cls, path: str | Path) -> Vts:
        path = Path(path)
        return cls(path, VtsInfo.from_file(path / VTS_YAML))

    @property
    def doc(self) -> str:
        readme = self._path / "README.md"
        return readme.read_text() if readme.is_file() else ""

    def to_dict(self) -> dict[str, Any]:
        data = self.info.model_dump(mode="json")
        data["tag"] = str(self.tag)
        data["path"] = self.path
        return data


def vts_store(root: Path | None = None) -> Store:
    """The vts store under `$VTSSERVING_HOME/vts` (read afresh each call)."""
    return Store(root or vts_dir(), "vts", VTS_YAML)


def list_vts(name: str | None = None) -> list[Vts]:
    """Every vts in the store, or every version of `name`, oldest first."""
    return [Vts.from_path(item.path) for item in vts_store().list(name)]


def get(tag: str | Tag) -> Vts:
    """The vts for `name`, `name:latest`, `name:version` or a unique version prefix."""
    return Vts.from_path(vts_store().get(tag).path)


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


def import_vts(src: str, *, overwrite: bool = False,
               storage_options: dict[str, Any] | None = None) -> Vts:
    """Import an archive written by `export_vts` into the store; an existing version is a Conflict."""
    from ..store.archive import import_archive

    item = import_archive(vts_store(), os.fspath(src), overwrite=overwrite, validate=_validate_info,
                          storage_options=storage_options)
    return Vts.from_path(item.path)
