"""The image's software bill of materials, built and serialized by cyclonedx-python-lib.

Python packages come from `/opt/venv/vts-installed.json`, which install.sh writes in every image:
name, version, licence fields and the SHA-256 of each distribution's RECORD (the list of the
files it installed, each with its own SHA-256). OS packages come from the image's
`/var/lib/dpkg/status`. Both are read from the built image without running it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from .._version import __version__
from ..exceptions import BuildError
from .backends import Backend
from .dockerfile import VENV
from .imagefiles import image_layers, read_files

INSTALLED = f"{VENV}/vts-installed.txt"
INSTALLED_JSON = f"{VENV}/vts-installed.json"
DPKG_STATUS = "/var/lib/dpkg/status"
OS_RELEASE = "/etc/os-release"
SBOM_LABEL = "io.vtsserving.sbom.sha256"
HASH_PROPERTY = "vtsserving:hash-covers"
LAYERS_PROPERTY = "vtsserving:rootfs-layers"  # the image's layer diff ids, in order, space-separated


@dataclass(frozen=True)
class SbomResult:
    """Where the SBOM went, its SHA-256 (the image label's value) and what it counts."""

    path: str
    sha256: str
    python_packages: int
    os_packages: int


def python_packages(files: dict[str, str | None]) -> list[dict[str, Any]]:
    """One dict per installed distribution (JSON lines; else the older `name==version` list)."""
    text = files.get(INSTALLED_JSON)
    if text:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    names = files.get(INSTALLED) or ""
    pairs = (line.strip().partition("==") for line in names.splitlines() if "==" in line)
    return [{"name": name, "version": version} for name, _, version in pairs]


def os_packages(status: str | None) -> list[dict[str, str]]:
    """The installed packages of a dpkg status file (Debian, Ubuntu); empty for other bases."""
    found = []
    for stanza in (status or "").split("\n\n"):
        if not stanza.strip():
            continue
        fields = HeaderParser().parsestr(stanza.strip() + "\n")
        if fields.get("Package") and fields.get("Version") and "installed" in (fields.get("Status") or "").split():
            found.append({k: str(fields.get(k) or "") for k in ("Package", "Version", "Architecture", "Source")})
    return sorted(found, key=lambda p: p["Package"])


def _os_release(text: str | None) -> dict[str, str]:
    pairs = (line.partition("=") for line in (text or "").splitlines() if "=" in line)
    return {k.strip(): v.strip().strip('"') for k, _, v in pairs}


def _licenses(pkg: dict[str, Any]) -> list[Any]:
    try:
        from cyclonedx.contrib.license.factories import LicenseFactory
    except ImportError:  # cyclonedx-python-lib before 11.5
        from cyclonedx.factory.license import LicenseFactory

    factory = LicenseFactory()
    if pkg.get("license_expression"):
        return [factory.make_from_string(pkg["license_expression"])]
    text = (pkg.get("license") or "").strip()
    if text and text.upper() != "UNKNOWN" and len(text) <= 100:
        return [factory.make_from_string(text)]
    names = dict.fromkeys(c.rsplit("::", 1)[-1].strip() for c in pkg.get("classifiers") or [])
    return [factory.make_with_name(name) for name in names if name]


def _python_component(pkg: dict[str, Any]) -> Any:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.component import Component
    from packageurl import PackageURL

    purl = PackageURL(type="pypi", name=canonicalize_name(pkg["name"]), version=pkg["version"])
    hashes = [HashType(alg=HashAlgorithm.SHA_256, content=pkg["record_sha256"])] if pkg.get("record_sha256") else []
    return Component(
        name=pkg["name"], version=pkg["version"], purl=purl, bom_ref=str(purl), licenses=_licenses(pkg),
        hashes=hashes, properties=[Property(name=HASH_PROPERTY, value="RECORD")] if hashes else [],
    )


def _os_component(pkg: dict[str, str], distro: dict[str, str]) -> Any:
    from cyclonedx.model.component import Component
    from packageurl import PackageURL

    qualifiers = {"arch": pkg["Architecture"]} if pkg["Architecture"] else {}
    if distro.get("ID") and distro.get("VERSION_ID"):
        qualifiers["distro"] = f"{distro['ID']}-{distro['VERSION_ID']}"
    purl = PackageURL(type="deb", namespace=distro.get("ID") or "debian", name=pkg["Package"],
                      version=pkg["Version"], qualifiers=qualifiers)
    return Component(name=pkg["Package"], version=pkg["Version"], purl=purl, bom_ref=str(purl))


def make_bom(image: str, image_id: str, layers: list[str], python: list[dict[str, Any]],
             debs: list[dict[str, str]], distro: dict[str, str], created: datetime | None = None) -> Any:
    """A CycloneDX BOM of `image`: its Python and OS packages; the same image gives the same BOM."""
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType

    root = Component(
        type=ComponentType.CONTAINER, name=image, version=image_id, bom_ref=image_id,
        properties=[Property(name=LAYERS_PROPERTY, value=" ".join(layers))] if layers else [],
    )
    tool = Component(type=ComponentType.APPLICATION, name="vtsserving", version=__version__)
    metadata = BomMetaData(component=root, timestamp=created)
    metadata.tools.components.add(tool)
    components = [_python_component(p) for p in python] + [_os_component(p, distro) for p in debs]
    bom = Bom(serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"vtsserving:{image_id}"), metadata=metadata)
    unique = {str(c.bom_ref): c for c in components}
    for component in unique.values():
        bom.components.add(component)
    bom.register_dependency(root, unique.values())
    return bom


def sbom_json(bom: Any) -> str:
    """The BOM as CycloneDX 1.6 JSON."""
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    return make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_6).output_as_string(indent=2) + "\n"


def write_sbom(path: Path, backend: Backend, image: str, image_id: str, created: datetime | None = None) -> SbomResult:
    """Write the CycloneDX JSON of `image` to `path` (atomically)."""
    files = read_files(backend, image, [INSTALLED_JSON, INSTALLED, DPKG_STATUS, OS_RELEASE])
    python = python_packages(files)
    if not python:
        raise BuildError(f"{INSTALLED} in {image} lists no distributions: was it built by VtsServing?")
    debs = os_packages(files[DPKG_STATUS])
    bom = make_bom(image, image_id, image_layers(backend, image), python, debs, _os_release(files[OS_RELEASE]), created)
    text = sbom_json(bom)
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return SbomResult(str(path), hashlib.sha256(text.encode()).hexdigest(), len(python), len(debs))
