"""Every install command the docs name works with plain pip in a fresh `python3 -m venv`.

The quickstart's own install (`pip install -e ".[mlflow,sklearn]"`) runs for real in the shared
fixture (conftest.py) with the pip the venv brings; the other documented extras are resolved by
that pip and by the latest pip with `--dry-run`: the lower bounds in pyproject.toml keep both
resolvers out of old releases (s3fs pins fsspec exactly, aiobotocore pins botocore to a narrow
range, boto3 follows botocore daily), so each finishes in well under a few minutes.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

# Each resolve, cold cache included, must finish well inside "a few minutes".
RESOLVE_LIMIT_S = 300
# The extras the docs name (README, docs/quickstart.md, docs/guides/mlflow.md, docs/index.md):
# quickstart/guides, S3, the docs site, the test suite (scripts/test.sh).
DOCUMENTED = ".[mlflow,sklearn,s3,pip-tools,docs,test]"


def _pip(venv: Path, *args: str, timeout: float = RESOLVE_LIMIT_S) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", *args], capture_output=True, text=True, timeout=timeout,
    )
    return proc, time.monotonic() - started


def test_the_quickstart_install_worked_with_the_venvs_own_pip(quickstart_install) -> None:
    venv = quickstart_install.venv
    # `python3 -m venv` pip, untouched by the docs (no "upgrade pip first" step) and by the install
    # (no dependency of the quickstart's extras requires a newer pip: pip-tools is an extra).
    bundled = subprocess.run(
        ["python3", "-c", "import ensurepip; print(ensurepip.version())"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert quickstart_install.pip_version == bundled
    assert quickstart_install.seconds < 600, f"the install took {quickstart_install.seconds:.0f} s"
    assert "vtsserving" in quickstart_install.output  # `vtsserving --version` printed
    check, _ = _pip(venv, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    # The full mlflow: a sqlite tracking store, the registry and skops-saved models work.
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.metadata as m, skops, sqlalchemy, mlflow.server; print(m.version('mlflow'))"],
        capture_output=True, text=True,
    )
    assert probe.returncode == 0, probe.stderr
    print(f"\nquickstart install with pip {quickstart_install.pip_version}: {quickstart_install.seconds:.0f} s")


@pytest.mark.parametrize("which", ["venv pip", "latest pip"])
def test_documented_extras_resolve(which: str, quickstart_install, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True, timeout=120)
    if which == "latest pip":
        upgrade, _ = _pip(venv, "install", "-q", "--upgrade", "pip")
        assert upgrade.returncode == 0, upgrade.stderr
    version = _pip(venv, "--version")[0].stdout.split()[1]
    proc, seconds = _pip(
        venv, "install", "--dry-run", "--ignore-installed", "-q", "--report", str(tmp_path / "report.json"),
        DOCUMENTED.replace(".", str(quickstart_install.checkout), 1),
    )
    assert proc.returncode == 0, f"pip {version}: {proc.stderr[-3000:]}"
    installed = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in json.loads((tmp_path / "report.json").read_text())["install"]}
    for name in ("mlflow", "s3fs", "boto3", "aiobotocore", "mkdocs", "pytest"):
        assert name in installed, f"pip {version} left out {name}"
    # Aligned: s3fs pins fsspec to its own release.
    assert installed["fsspec"] == installed["s3fs"]
    print(f"\npip {version}: {DOCUMENTED} resolved in {seconds:.0f} s")
    assert seconds < RESOLVE_LIMIT_S
