"""The layer order of docs/concepts/architecture.md holds, and breaking it fails the check.

`lint-imports` (import-linter) reads the contract from pyproject.toml; these tests run it on the
real package and on copies with an upward import added on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import vtsserving

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=folder, env=env,
                           capture_output=True, text=True, timeout=120)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package and its contract, in a folder of their own."""
    shutil.copytree(ROOT / "vtsserving", tmp_path / "vtsserving",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_the_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "added"),
    [
        # hidden inside a function body: nothing would fail until that path runs
        ("runner/runner.py", "\n\ndef _upward() -> None:\n    from ..server import app  # noqa: F401\n"),
        # under TYPE_CHECKING: no runtime cycle, still an upward dependency
        ("store/_store.py", "\nif TYPE_CHECKING:\n    from ..models import Model  # noqa: F401\n"),
        # a lower layer reaching into a higher one through a module-level import
        ("io/base.py", "\nfrom ..service import Service  # noqa: E402,F401\n"),
    ],
)
def test_an_upward_import_breaks_the_contract(copy: Path, module: str, added: str) -> None:
    path = copy / "vtsserving" / module
    text = path.read_text()
    if "TYPE_CHECKING" in added and "TYPE_CHECKING" not in text:
        text = "from typing import TYPE_CHECKING\n" + text
    path.write_text(text + added)
    result = _lint(copy)
    assert result.returncode != 0
    importer = "vtsserving." + module.removesuffix(".py").replace("/", ".")
    assert "0 kept, 1 broken" in result.stdout
    assert f"- {importer} -> " in result.stdout, result.stdout


def test_a_module_outside_every_layer_breaks_the_contract(copy: Path) -> None:
    (copy / "vtsserving" / "helpers.py").write_text('"""Somewhere to put things."""\n')
    result = _lint(copy)
    assert result.returncode != 0
    assert "vtsserving.helpers" in result.stdout


def test_public_api_names_keep_working_type_hints() -> None:
    """`vtsserving.models.list()` and friends do not rebind `list` where annotations are read."""
    for func in (vtsserving.build, vtsserving.models.list, vtsserving.models.get, vtsserving.vts.list,
                 vtsserving.vts.get, vtsserving.models.summaries, vtsserving.vts.import_vts):
        hints = typing.get_type_hints(func)
        assert "return" in hints
    assert vtsserving.models.list is vtsserving.models.list_models
    assert vtsserving.vts.list is vtsserving.vts.list_vts
    assert callable(vtsserving.build) and vtsserving.build.__module__ == "vtsserving.builder"
