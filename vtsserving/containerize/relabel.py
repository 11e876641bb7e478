"""Add labels to a built image in a last, cheap build step: `FROM image` + `LABEL`.

The SBOM describes the built image, so its digest can only be known after that image exists; the
relabel step adds it as a label without touching a layer (the SBOM's layer list still holds). The
docker backend relabels with the classic builder, which sees the engine's local images whatever
builder made them; buildah and podman relabel with their own build.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..exceptions import BuildError
from .backends import Backend
from .buildlog import BuildLog, stream


def relabel_command(backend: Backend, folder: Path, tags: list[str]) -> tuple[list[str], dict[str, str]]:
    """The build command (and its environment) that builds `folder`'s Dockerfile as `tags`."""
    names = [arg for tag in tags for arg in ("-t", tag)]
    common = ["-f", str(folder / "Dockerfile"), "--iidfile", str(folder / "iid"), *names]
    if backend.name == "docker":
        return [backend.executable, "build", "--quiet", *common, str(folder)], {"DOCKER_BUILDKIT": "0"}
    verb = "bud" if backend.name == "buildah" else "build"
    return [*backend.tool_command(), verb, "--pull=never", "--quiet", *common, str(folder)], backend.env


def relabel(backend: Backend, image: str, tags: list[str], labels: dict[str, str], log: BuildLog) -> str:
    """Build `tags` from `image` with `labels` added; returns the new image id."""
    with tempfile.TemporaryDirectory(prefix="vts-relabel-") as tmp:
        folder = Path(tmp)
        pairs = " ".join(f"{key}={json.dumps(value)}" for key, value in labels.items())
        (folder / "Dockerfile").write_text(f"FROM {image}\nLABEL {pairs}\n")
        cmd, env = relabel_command(backend, folder, tags)
        quiet = BuildLog("quiet", log.echo)
        if stream(cmd, env, quiet) != 0:
            tail = " | ".join(line.strip() for line in list(quiet.tail)[-3:] if line.strip())
            raise BuildError(f"could not add the labels {', '.join(labels)} to {image}: {tail or 'no output'}")
        image_id = (folder / "iid").read_text().strip() if (folder / "iid").is_file() else ""
    if not image_id:
        raise BuildError(f"relabelling {image} wrote no image id")
    return image_id
