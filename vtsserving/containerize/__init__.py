"""Turn a vts into a container image: render the Dockerfile, run a build backend.

    vtsserving.containerize.build("iris_svc:latest", image_tags=["registry/iris:1"], push=True)
"""

from .backends import BACKENDS, Backend, detect
from .dockerfile import (
    CUSTOM_TEMPLATE,
    SETUP_SCRIPT,
    check_variant,
    default_base_image,
    render_dockerfile,
    write_docker_files,
)
from .image import ImageResult, build, vts_docker_options
from .options import DockerOptions

__all__ = [
    "BACKENDS",
    "CUSTOM_TEMPLATE",
    "SETUP_SCRIPT",
    "Backend",
    "DockerOptions",
    "ImageResult",
    "build",
    "check_variant",
    "default_base_image",
    "detect",
    "render_dockerfile",
    "vts_docker_options",
    "write_docker_files",
]
