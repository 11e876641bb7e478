"""Turn a vts into a container image: render the Dockerfile, run a build backend.

    vtsserving.containerize.build("iris_svc:latest", image_tags=["registry/iris:1"], push=True)
"""

from .backends import BACKENDS, Backend, detect
from .dockerfile import render_dockerfile, write_docker_files
from .image import ImageResult, build
from .options import DockerOptions

__all__ = [
    "BACKENDS",
    "Backend",
    "DockerOptions",
    "ImageResult",
    "build",
    "detect",
    "render_dockerfile",
    "write_docker_files",
]
