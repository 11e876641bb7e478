"""The SBOM document: Python and OS packages, licences and hashes, valid CycloneDX (no engine)."""

from __future__ import annotations

import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from vtsserving.containerize.sbom import (
    INSTALLED,
    INSTALLED_JSON,
    make_bom,
    os_packages,
    python_packages,
    sbom_json,
)

DPKG_STATUS = """\
Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u10
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: python3.11-minimal
Status: install ok installed
Architecture: amd64
Version: 3.11.2-6+deb12u6
"""

INSTALLED_LINES = [
    {"name": "six", "version": "1.17.0", "license": "MIT", "classifiers": [], "record_sha256": "a" * 64},
    {"name": "PyYAML", "version": "6.0.2", "license_expression": "MIT", "record_sha256": "b" * 64},
    {"name": "numpy", "version": "2.2.6", "license": None,
     "classifiers": ["License :: OSI Approved :: BSD License"], "record_sha256": "c" * 64},
    {"name": "vtsserving", "version": "0.1.0", "license_expression": "Apache-2.0", "record_sha256": None},
]


def _document() -> dict:
    files = {INSTALLED_JSON: "".join(json.dumps(x) + "\n" for x in INSTALLED_LINES)}
    debs = os_packages(DPKG_STATUS)
    bom = make_bom("iris:1", "sha256:abc", ["sha256:l1", "sha256:l2"], python_packages(files), debs,
                   {"ID": "debian", "VERSION_ID": "12"})
    text = sbom_json(bom)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, f"not valid CycloneDX 1.6: {error}"
    return json.loads(text)


def test_dpkg_status_lists_installed_packages_only() -> None:
    names = [p["Package"] for p in os_packages(DPKG_STATUS)]
    assert names == ["libc6", "python3.11-minimal"]
    assert os_packages(None) == []  # a base without dpkg


def test_bom_is_valid_cyclonedx_with_python_and_os_packages() -> None:
    doc = _document()
    purls = {c["purl"]: c for c in doc["components"]}
    assert "pkg:pypi/pyyaml@6.0.2" in purls and "pkg:pypi/six@1.17.0" in purls
    assert "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&distro=debian-12" in purls
    assert not any("removed-pkg" in p for p in purls)
    six = purls["pkg:pypi/six@1.17.0"]
    assert six["hashes"] == [{"alg": "SHA-256", "content": "a" * 64}]
    assert six["licenses"] == [{"license": {"id": "MIT"}}]
    assert purls["pkg:pypi/numpy@2.2.6"]["licenses"] == [{"license": {"name": "BSD License"}}]
    assert "hashes" not in purls["pkg:pypi/vtsserving@0.1.0"]
    assert doc["metadata"]["component"]["name"] == "iris:1"
    properties = {p["name"]: p["value"] for p in doc["metadata"]["component"]["properties"]}
    assert properties["vtsserving:rootfs-layers"] == "sha256:l1 sha256:l2"  # in order
    root = next(d for d in doc["dependencies"] if d["ref"] == "sha256:abc")
    assert len(root["dependsOn"]) == len(doc["components"]) == 6


def test_bom_is_stable_for_one_image() -> None:
    first, second = _document(), _document()
    assert first["serialNumber"] == second["serialNumber"]


def test_older_images_fall_back_to_the_name_version_list() -> None:
    packages = python_packages({INSTALLED_JSON: None, INSTALLED: "six==1.17.0\nidna==3.10\n"})
    assert packages == [{"name": "six", "version": "1.17.0"}, {"name": "idna", "version": "3.10"}]
