"""`Vts`: one built bundle and its `vts.yaml` (on-disk format: tests pin it)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .._info import Labels, StoredFolder, load_info
from .._version import __version__
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
        return load_info(cls, path, "vts")


class Vts(StoredFolder):
    """A built bundle: its tag, folder and `vts.yaml` info."""

    kind = "vts"
    info: VtsInfo

    @classmethod
    def from_path(cls, path: str | Path) -> Vts:
        path = Path(path)
        return cls(path, VtsInfo.from_file(path / VTS_YAML))

    def to_dict(self) -> dict[str, Any]:
        data = self.info.model_dump(mode="json")
        data["tag"] = str(self.tag)
        data["path"] = self.path
        return data
