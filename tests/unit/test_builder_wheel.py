"""The vtsserving wheel every vts carries: built once per source content, or re-packed."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from vtsserving.builder import wheel as wheel_module
from vtsserving.builder.python_version import x_y
from vtsserving.exceptions import ConfigError


def test_wheel_is_built_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTSSERVING_CACHE_DIR", str(tmp_path))
    if wheel_module.source_checkout() is None:
        pytest.skip("vtsserving is not installed editable from a checkout here")
    first = wheel_module.vtsserving_wheel()
    with zipfile.ZipFile(first) as zf:
        names = zf.namelist()
    assert "vtsserving/builder/wheel.py" in names
    assert any(n.startswith("vtsserving/_templates/") for n in names)
    assert not any("__pycache__" in n for n in names)

    def no_build(*args, **kwargs):  # failure injection: a second build must not happen
        raise AssertionError("rebuilt although the source did not change")

    monkeypatch.setattr(wheel_module, "_build_from_checkout", no_build)
    assert wheel_module.vtsserving_wheel() == first


def test_repack_installed_dist_installs(tmp_path: Path) -> None:
    """Re-packing an installed (non-editable) dist gives a wheel pip installs."""
    dist = importlib.metadata.distribution("pathspec")
    built = wheel_module._repack_installed(dist, tmp_path)
    assert built.name == f"pathspec-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(built) as zf:
        record = zf.read(f"pathspec-{dist.version}.dist-info/RECORD").decode()
    assert "pathspec/__init__.py,sha256=" in record
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                           str(built)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (target / "pathspec" / "__init__.py").is_file()


@pytest.mark.parametrize(("raw", "expected"), [("3.11.7", "3.11"), ("3.10", "3.10"), (" 3.12 ", "3.12")])
def test_python_version_x_y(raw: str, expected: str) -> None:
    assert x_y(raw, "here") == expected


@pytest.mark.parametrize("raw", ["2.7", "3.9", "4.0", "3", "latest"])
def test_python_version_rejected(raw: str) -> None:
    with pytest.raises(ConfigError, match="here"):
        x_y(raw, "here")
