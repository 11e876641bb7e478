"""Locks are resolved for the image's Python and platform, whatever Python runs the build.

The requirement `tomli; python_version < "3.11"` resolves differently by Python version: an
image with Python 3.10 needs it, the 3.11 that runs these tests does not. numpy (a vtsserving
requirement) has no release after 2.2 for Python 3.10. Both show whose Python the lock is for.
These tests reach PyPI through uv or pip-compile.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.version import Version

import vtsserving
from vtsserving.builder import lock as lock_module
from vtsserving.cli import cli

IMAGE_PYTHON = "3.10"
PACKAGES = ['tomli==2.0.1; python_version < "3.11"', "six==1.17.0", 'pywin32==306; sys_platform == "win32"']


def _vtsfile(python_version: str | None = IMAGE_PYTHON, **python: object) -> dict:
    docker = {"python_version": python_version} if python_version else {}
    return {"service": "service:svc", "docker": docker,
            "python": {"packages": PACKAGES, "lock_packages": True, **python}}


def _lock(vts) -> str:
    return Path(vts.path, "env/python/requirements.lock.txt").read_text()


def _pins(lock: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, re.MULTILINE))


@pytest.mark.slow
def test_lock_is_for_the_image_python_and_platform_not_the_runner(make_ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    assert f"{sys.version_info.major}.{sys.version_info.minor}" != IMAGE_PYTHON, "pick another IMAGE_PYTHON"
    ctx = make_ctx(_vtsfile(index_url="https://pypi.org/simple", trusted_host=["pypi.org"]))
    vts = vtsserving.build(build_ctx=ctx)
    lock, pins = _lock(vts), _pins(_lock(vts))
    assert pins["tomli"] == "2.0.1" and pins["six"] == "1.17.0"  # the 3.10 marker holds
    assert Version(pins["numpy"]) < Version("2.3")  # numpy 2.3 needs Python 3.11
    assert "pywin32" not in pins and "uvloop" in pins  # Linux markers
    assert "pydantic" in pins  # vtsserving's own requirements are locked too
    for leak in ("--index-url", "--extra-index-url", "--find-links", "--trusted-host", "pypi.org"):
        assert leak not in lock, f"{leak} in the lock"
    assert vts.info.python["lock_target"] == {"tool": "uv", "python": "3.10", "platform": "x86_64-manylinux_2_28"}

    other = vtsserving.build(build_ctx=make_ctx(_vtsfile("3.12")))  # another target: another lock
    assert "tomli" not in _pins(_lock(other))

    def no_resolver(*args: object, **kwargs: object) -> str:  # the resolver must not run again
        raise AssertionError("uv ran although the inputs and the target did not change")

    monkeypatch.setattr(lock_module, "_run_uv", no_resolver)
    again = vtsserving.build(build_ctx=make_ctx(_vtsfile(index_url="https://pypi.org/simple", trusted_host=["pypi.org"])))
    assert _lock(again) == lock


def test_pip_tools_refuses_a_target_it_cannot_resolve_for(make_ctx, store_items) -> None:
    ctx = make_ctx(_vtsfile(lock_tool="pip-tools"))
    result = CliRunner().invoke(cli, ["build", "-q", str(ctx)])  # -q: no progress lines
    assert result.exit_code != 0
    line = result.output.strip()
    assert line.startswith("Error: python.lock_tool: pip-tools locks for the Python that runs the build")
    assert "use lock_tool: uv" in line and "\n" not in line
    assert store_items() == []


def test_pip_tools_not_installed_is_one_line_naming_the_extra(make_ctx, store_items,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    real = importlib.metadata.version

    def version(name: str) -> str:
        if name == "pip-tools":  # as in a venv without the pip-tools extra
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    ctx = make_ctx(_vtsfile(None, lock_tool="pip-tools"))
    result = CliRunner().invoke(cli, ["build", "-q", str(ctx)])
    assert result.exit_code != 0
    line = result.output.strip()
    assert "pip-tools is not installed" in line and "vtsserving[pip-tools]" in line and "\n" not in line
    assert store_items() == []


@pytest.mark.slow
def test_pip_tools_still_locks_for_its_own_python(make_ctx) -> None:
    ctx = make_ctx(_vtsfile(None, lock_tool="pip-tools", index_url="https://pypi.org/simple"))
    vts = vtsserving.build(build_ctx=ctx)
    lock = _lock(vts)
    assert _pins(lock)["six"] == "1.17.0" and "tomli" not in _pins(lock)  # the runner's 3.11
    assert "--index-url" not in lock and "pypi.org" not in lock
    assert vts.info.python["lock_target"]["tool"] == "pip-tools"


def test_failed_lock_shows_the_resolver_reason(make_ctx, store_items, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTSSERVING_CACHE_DIR", str(tmp_path / "cache"))
    ctx = make_ctx({"service": "service:svc",
                    "python": {"packages": ["surely-not-a-package-vts==9.9"], "lock_packages": True,
                               "no_index": True}})
    result = CliRunner().invoke(cli, ["build", "-q", str(ctx)])  # -q: no progress lines
    assert result.exit_code != 0
    line = result.output.strip()
    assert line.startswith("Error: python.lock_packages: uv pip compile failed:")
    assert "surely-not-a-package-vts" in line and "\n" not in line
    assert store_items() == []
    assert not list((tmp_path / "cache" / "locks").glob("*.txt"))


def test_lock_platform_must_be_a_linux_target(make_ctx) -> None:
    ctx = make_ctx(_vtsfile(lock_platform="macosx_14_0_arm64"))
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code != 0
    assert "python.lock_platform" in result.output and "x86_64-manylinux_2_28" in result.output
