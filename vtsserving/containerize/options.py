"""`DockerOptions`: the `docker:` section of vtsfile.yaml, shared by build and containerize."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DISTROS = ("debian",)


class DockerOptions(BaseModel):
    """How the image is made; every field is optional and has a sensible default."""

    model_config = ConfigDict(extra="forbid")

    distro: Literal["debian"] = "debian"
    python_version: str | None = None
    cuda_version: str | None = None
    system_packages: list[str] = Field(default_factory=list)
    setup_script: str | None = None
    base_image: str | None = None
    dockerfile_template: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
