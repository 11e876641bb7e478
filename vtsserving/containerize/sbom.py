"""The image's software bill of materials: every installed Python distribution, as CycloneDX JSON.

install.sh writes `/opt/venv/vts-installed.txt` (`name==version` lines) inside every image;
`vtsserving containerize --sbom FILE` reads it back from the built image without running it
(docker/podman: create + cp) and writes a CycloneDX 1.5 document that scanners understand.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from .._version import __version__
from ..exceptions import BuildError
from .backends import Backend, run_quiet
from .dockerfile import VENV

INSTALLED = f"{VENV}/vts-installed.txt"


def _output(cmd: list[str], backend: Backend) -> str:
    proc = run_quiet(cmd, backend.env, timeout=120)
    if proc is None or proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1] if proc else "timed out"
        raise BuildError(f"could not read {INSTALLED} from the image for the SBOM: {last}")
    return proc.stdout


def read_installed(backend: Backend, image: str) -> list[tuple[str, str]]:
    """(name, version) of every distribution in the image's venv, read without running it."""
    text = _cat_buildah(backend, image) if backend.name == "buildah" else _cat_engine(backend, image)
    return [_pair(line) for line in text.splitlines() if "==" in line]


def _cat_buildah(backend: Backend, image: str) -> str:
    tool = backend.tool_command()
    container = _output([*tool, "from", "--pull-never", "--quiet", image], backend).strip()
    try:
        return _output([*tool, "run", "--isolation", "chroot", container, "cat", INSTALLED], backend)
    finally:
        run_quiet([*tool, "rm", container], backend.env)


def _cat_engine(backend: Backend, image: str) -> str:
    """docker/podman: copy the file out of a created (never started) container."""
    exe = backend.executable
    container = _output([exe, "create", image], backend).strip()
    try:
        with tempfile.TemporaryDirectory(prefix="vts-sbom-") as tmp:
            _output([exe, "cp", f"{container}:{INSTALLED}", tmp], backend)
            return (Path(tmp) / Path(INSTALLED).name).read_text()
    finally:
        run_quiet([exe, "rm", "-f", container], backend.env)


def _pair(line: str) -> tuple[str, str]:
    name, _, version = line.strip().partition("==")
    return name, version


def cyclonedx(image: str, image_id: str, installed: list[tuple[str, str]]) -> dict[str, Any]:
    """A CycloneDX 1.5 BOM for `image`; the same image gives the same document."""
    components = []
    for name, version in installed:
        purl = f"pkg:pypi/{canonicalize_name(name)}@{version}"
        components.append({"type": "library", "bom-ref": purl, "name": name, "version": version, "purl": purl})
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'vtsserving:' + image_id)}",
        "version": 1,
        "metadata": {
            "tools": {"components": [{"type": "application", "name": "vtsserving", "version": __version__}]},
            "component": {"type": "container", "bom-ref": image_id, "name": image, "version": image_id},
        },
        "components": components,
    }


def write_sbom(path: Path, backend: Backend, image: str, image_id: str) -> int:
    """Write the CycloneDX JSON of `image` to `path` (atomically); returns the component count."""
    installed = read_installed(backend, image)
    if not installed:
        raise BuildError(f"{INSTALLED} in {image} lists no distributions: was it built by VtsServing?")
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(cyclonedx(image, image_id, installed), indent=2) + "\n")
    tmp.replace(path)
    return len(installed)
