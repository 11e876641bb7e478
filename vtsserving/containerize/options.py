"""`DockerOptions`: the `docker:` section of vtsfile.yaml, shared by build and containerize."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_PYTHON = re.compile(r"^3\.\d{1,2}(\.\d{1,3})?$")
_CUDA = re.compile(r"^\d{1,2}\.\d{1,2}(\.\d{1,2})?$")
_APT_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.\-]*(?:[=:][A-Za-z0-9.+~:\-]+)?$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class DockerOptions(BaseModel):
    """How the image is made; every field is optional and has a sensible default.

    The variant follows from the options: CUDA runtime when `cuda_version` is set, conda when
    the vts has a conda environment, else Debian with a slim Python image.
    """

    model_config = ConfigDict(extra="forbid")

    distro: Literal["debian"] = "debian"
    python_version: str | None = None
    cuda_version: str | None = None
    system_packages: list[str] = Field(default_factory=list)
    setup_script: str | None = None
    base_image: str | None = None
    dockerfile_template: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    keep_package_tests: bool = False
    bytecode: Literal["serving", "all"] = "serving"
    prune_packages: bool = True
    strip: bool = True

    @field_validator("python_version")
    @classmethod
    def _python(cls, value: str | None) -> str | None:
        if value is not None and not _PYTHON.match(value):
            raise ValueError(f"expected a Python version like 3.11, got {value!r}")
        return value

    @field_validator("cuda_version")
    @classmethod
    def _cuda(cls, value: str | None) -> str | None:
        if value is not None and not _CUDA.match(value):
            raise ValueError(f"expected a CUDA version like 12.4.1, got {value!r}")
        return value

    @field_validator("system_packages")
    @classmethod
    def _packages(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _APT_PACKAGE.match(name):
                raise ValueError(f"{name!r} is not a Debian package name (like libgomp1 or curl=7.88.1-10)")
        return value

    @field_validator("base_image")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(c.isspace() for c in value)):
            raise ValueError(f"expected an image reference without spaces, got {value!r}")
        return value

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            if not _ENV_KEY.match(key):
                raise ValueError(f"environment variable name {key!r} must match [A-Za-z_][A-Za-z0-9_]*")
            if "\n" in str(item):
                raise ValueError(f"environment variable {key} must be one line")
        return value
