"""The `vtsfile.yaml` schema: one typed model, checked whole before anything is written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._info import Labels
from .._validation import validation_message, yaml_problem
from ..containerize import DockerOptions
from ..exceptions import ConfigError, NotFound
from ._paths import check_file, check_folder

VTSFILE = "vtsfile.yaml"
DEFAULT_INCLUDE = ["*"]
_LOCK_PLATFORM = re.compile(r"^(x86_64|aarch64)-(manylinux_2_\d{1,2}|unknown-linux-gnu)$")


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class PythonOptions(BaseModel):
    """The `python:` section: pip requirements, index options and local wheels."""

    model_config = ConfigDict(extra="forbid")

    requirements_txt: str | None = None
    packages: list[str] = Field(default_factory=list)
    lock_packages: bool = False
    lock_tool: Literal["uv", "pip-tools"] = "uv"
    lock_platform: str = "x86_64-manylinux_2_28"
    index_url: str | None = None
    no_index: bool = False
    trusted_host: list[str] = Field(default_factory=list)
    find_links: list[str] = Field(default_factory=list)
    extra_index_url: list[str] = Field(default_factory=list)
    pip_args: str | None = None
    wheels: list[str] = Field(default_factory=list)
    mlflow_skinny: bool = True

    @field_validator("trusted_host", "find_links", "extra_index_url", "wheels", "packages", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("lock_platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if not _LOCK_PLATFORM.match(value):
            raise ValueError(f"expected a Linux target like x86_64-manylinux_2_28 or aarch64-manylinux_2_28, got {value!r}")
        return value


class CondaOptions(BaseModel):
    """The `conda:` section: an environment file and/or channels, packages and pip lines."""

    model_config = ConfigDict(extra="forbid")

    environment_yml: str | None = None
    channels: list[str] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)
    pip: list[str] = Field(default_factory=list)
    lock_packages: bool = False

    @property
    def used(self) -> bool:
        return bool(self.environment_yml or self.channels or self.dependencies or self.pip)


class VtsfileConfig(BaseModel):
    """The whole `vtsfile.yaml`; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    service: str
    name: str | None = None
    description: str | None = None
    labels: Labels = Field(default_factory=dict)
    include: list[str] = Field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = Field(default_factory=list)
    allow_credentials_in: list[str] = Field(default_factory=list)
    python: PythonOptions = Field(default_factory=PythonOptions)
    conda: CondaOptions = Field(default_factory=CondaOptions)
    docker: DockerOptions = Field(default_factory=DockerOptions)

    @field_validator("include", "exclude", "allow_credentials_in", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_list(value)

    @classmethod
    def from_dict(cls, data: Any, source: str = "vtsfile") -> VtsfileConfig:
        """Validate a mapping; the first error names the key and the source file."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: must be a mapping of keys, got {type(data).__name__}")
        data = _python_version_as_text(data, source)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source}: {validation_message(exc)}") from None

    def resolved(self, build_ctx: Path, source: str = "vtsfile") -> VtsfileConfig:
        """A copy with every path expanded (`$VAR`, `~`, relative to `build_ctx`) and checked."""
        py = self.python.model_copy()
        if py.requirements_txt:
            py.requirements_txt = str(check_file(py.requirements_txt, build_ctx, "python.requirements_txt", source))
        py.wheels = [str(check_file(w, build_ctx, "python.wheels", source)) for w in py.wheels]
        py.find_links = [_maybe_local(f, build_ctx, source) for f in py.find_links]
        conda = self.conda.model_copy()
        if conda.environment_yml:
            conda.environment_yml = str(check_file(conda.environment_yml, build_ctx, "conda.environment_yml", source))
        docker = self.docker.model_copy()
        for key in ("setup_script", "dockerfile_template"):
            value = getattr(docker, key)
            if value:
                setattr(docker, key, str(check_file(value, build_ctx, f"docker.{key}", source)))
        description = self.description
        if description and description.startswith("file:"):
            path = check_file(description[5:].strip(), build_ctx, "description", source)
            description = path.read_text()
        return self.model_copy(update={"python": py, "conda": conda, "docker": docker,
                                       "description": description})


def _python_version_as_text(data: dict[str, Any], source: str) -> dict[str, Any]:
    """YAML reads `python_version: 3.10` as the number 3.1: accept 3.11-style numbers, explain 3.1."""
    docker = data.get("docker")
    value = docker.get("python_version") if isinstance(docker, dict) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return data
    text = str(value)
    if len(text.partition(".")[2]) < 2:
        raise ConfigError(
            f"{source}: docker.python_version: YAML reads {value!r} as a number; quote it, e.g. \"3.10\""
        )
    return {**data, "docker": {**docker, "python_version": text}}


def _maybe_local(value: str, build_ctx: Path, source: str) -> str:
    """URLs pass through; local folders are expanded to absolute paths (and stay in the build folder)."""
    if "://" in value:
        return value
    return str(check_folder(value, build_ctx, "python.find_links", source))


def load_vtsfile(path: str | Path, build_ctx: Path) -> VtsfileConfig:
    """Read, validate and resolve a vtsfile; every problem is one `ConfigError` line."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"vtsfile {path} not found: create it or pass -f PATH")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML{yaml_problem(exc)}") from None
    return VtsfileConfig.from_dict(data, str(path)).resolved(build_ctx, str(path))


def vtsfile_service(folder: str | Path) -> str:
    """The `service:` of `<folder>/vtsfile.yaml`, for `vtsserving serve` without a target."""
    vtsfile = Path(folder) / VTSFILE
    if not vtsfile.is_file():
        raise NotFound(f"no TARGET given and no {VTSFILE} in {vtsfile.parent}")
    try:
        data = yaml.safe_load(vtsfile.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{vtsfile}: not valid YAML{yaml_problem(exc)}") from None
    service = data.get("service") if isinstance(data, dict) else None
    if not isinstance(service, str):
        raise ConfigError(f"{vtsfile}: key 'service' must be a string like 'service:svc'")
    return service
