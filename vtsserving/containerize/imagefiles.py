"""Read files out of a built image without running it (docker/podman: create + cp; buildah: a
working container), for the SBOM."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..exceptions import BuildError
from .backends import Backend, run_quiet


def _output(cmd: list[str], backend: Backend, what: str) -> str:
    proc = run_quiet(cmd, backend.env, timeout=120)
    if proc is None or proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1] if proc else "timed out"
        raise BuildError(f"could not {what}: {last}")
    return proc.stdout


def read_files(backend: Backend, image: str, paths: list[str]) -> dict[str, str | None]:
    """The text of each of `paths` in `image` (links followed); None for a file it does not have."""
    if backend.name == "buildah":
        return _read_buildah(backend, image, paths)
    return _read_engine(backend, image, paths)


def _read_engine(backend: Backend, image: str, paths: list[str]) -> dict[str, str | None]:
    exe = backend.executable
    container = _output([exe, "create", image], backend, f"create a container from {image}").strip()
    try:
        with tempfile.TemporaryDirectory(prefix="vts-image-files-") as tmp:
            found: dict[str, str | None] = {}
            for n, path in enumerate(paths):
                dest = Path(tmp) / str(n)
                proc = run_quiet([exe, "cp", "-L", f"{container}:{path}", str(dest)], backend.env, timeout=120)
                found[path] = dest.read_text(errors="replace") if proc and proc.returncode == 0 and dest.is_file() else None
            return found
    finally:
        run_quiet([exe, "rm", "-f", container], backend.env)


def _read_buildah(backend: Backend, image: str, paths: list[str]) -> dict[str, str | None]:
    tool = backend.tool_command()
    container = _output([*tool, "from", "--pull-never", "--quiet", image], backend,
                        f"open {image} with buildah").strip()
    try:
        found: dict[str, str | None] = {}
        for path in paths:
            proc = run_quiet([*tool, "run", "--isolation", "chroot", container, "cat", path], backend.env, timeout=120)
            found[path] = proc.stdout if proc and proc.returncode == 0 else None
        return found
    finally:
        run_quiet([*tool, "rm", container], backend.env)


def image_layers(backend: Backend, image: str) -> list[str]:
    """The diff ids of the image's layers (what a relabel keeps), empty when unknown."""
    if backend.name == "buildah":
        cmd = [*backend.tool_command(), "inspect", "--type", "image", "--format", "{{range .OCIv1.RootFS.DiffIDs}}{{.}} {{end}}", image]
    else:
        cmd = [backend.executable, "image", "inspect", "--format", "{{range .RootFS.Layers}}{{.}} {{end}}", image]
    proc = run_quiet(cmd, backend.env)
    return proc.stdout.split() if proc and proc.returncode == 0 else []
