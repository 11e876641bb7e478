"""Refuse a build that cannot fit on the builder's disk before it starts, not halfway through.

An image build stores the vts twice (the build context or cache, and the image layer) plus the
installed dependencies; a model of many gigabytes can exhaust the disk after minutes of work.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..exceptions import BuildError
from ..store import folder_size
from .backends import Backend, run_quiet

DEPENDENCY_ALLOWANCE = 1 << 30  # room for the installed Python packages
_STORAGE = {"buildah": "/var/lib/containers/storage", "podman": "/var/lib/containers/storage"}


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"


def storage_root(backend: Backend) -> Path | None:
    """Where the builder keeps images, when it is on this machine; None when unknown or remote."""
    if backend.name != "docker":
        return Path(_STORAGE[backend.name])
    proc = run_quiet([backend.executable, "info", "--format", "{{.DockerRootDir}}"], backend.env)
    root = Path(proc.stdout.strip()) if proc and proc.returncode == 0 and proc.stdout.strip() else None
    return root if root is not None and root.is_dir() else None


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk_space(backend: Backend, vts_path: Path) -> None:
    """BuildError in one line when the builder's disk has clearly too little room for this vts."""
    root = storage_root(backend)
    if root is None:
        return
    size = folder_size(vts_path)
    needed = 2 * size + DEPENDENCY_ALLOWANCE
    free = shutil.disk_usage(_existing(root)).free
    if free < needed:
        raise BuildError(
            f"not enough disk space to build this image: the vts holds {_gb(size)} (models included) and "
            f"the build needs about {_gb(needed)} in {root}, which has {_gb(free)} free; "
            "free some space (docker system prune) or build on a larger disk"
        )
