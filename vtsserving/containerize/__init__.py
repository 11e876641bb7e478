"""Turn a vts into a container image: render the Dockerfile, run a build backend.

    vtsserving.containerize.build("iris_svc:latest", image_tags=["registry/iris:1"], push=True)
"""

from .backends import BACKENDS, Backend, detect
from .cache import CachePlan, plan_cache
from .dockerfile import (
    CUSTOM_TEMPLATE,
    SETUP_SCRIPT,
    check_variant,
    default_base_image,
    render_dockerfile,
    write_docker_files,
)
from .image import DryRun, ImageResult, build, dry_run, vts_docker_options
from .options import DockerOptions
from .sbom import SBOM_LABEL, SbomResult

__all__ = [
    "BACKENDS",
    "CUSTOM_TEMPLATE",
    "SBOM_LABEL",
    "SETUP_SCRIPT",
    "Backend",
    "CachePlan",
    "DockerOptions",
    "DryRun",
    "ImageResult",
    "SbomResult",
    "build",
    "check_variant",
    "default_base_image",
    "detect",
    "dry_run",
    "plan_cache",
    "render_dockerfile",
    "vts_docker_options",
    "write_docker_files",
]
