"""Fixtures shared by every test: an isolated VTSSERVING_HOME and the Docker engine gate."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BASE_IMAGE = os.environ.get("VTS_TEST_BASE_IMAGE", "vtsserving-test-base:bookworm")
PROVISION_HINT = "run `sudo scripts/provision-docker.sh` to install and start an engine and build the base image"


@pytest.fixture(autouse=True)
def vts_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own empty VTSSERVING_HOME, and leaves the environment as it found it.

    Code under test sets variables directly (loading a vts sets VTSSERVING_MODEL_STORE,
    `mlflow.set_experiment` sets MLFLOW_EXPERIMENT_ID): restoring the whole environment keeps
    them from leaking into later tests and the subprocesses they start.
    """
    saved = dict(os.environ)
    home = tmp_path_factory.mktemp("vtsserving_home")
    monkeypatch.setenv("VTSSERVING_HOME", str(home))
    monkeypatch.delenv("VTSSERVING_MODEL_STORE", raising=False)
    yield home
    os.environ.clear()
    os.environ.update(saved)


def _engine_problem() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "no docker client on PATH"
    try:
        proc = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "`docker info` timed out"
    if proc.returncode != 0:
        return "no Docker engine reachable (`docker info` failed)"
    proc = subprocess.run([docker, "image", "inspect", BASE_IMAGE], capture_output=True, timeout=20)
    if proc.returncode != 0:
        return f"base image {BASE_IMAGE} is missing"
    return None


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The base image name, once a Docker engine is known to work.

    Outside CI a missing engine skips the test with a hint; in CI it fails it.
    """
    problem = _engine_problem()
    if problem:
        message = f"{problem}: {PROVISION_HINT}"
        if IN_CI:
            pytest.fail(f"Docker tests must run in CI: {message}")
        pytest.skip(message)
    return BASE_IMAGE


CHROMIUM = "/usr/bin/chromium"  # Debian's (scripts/provision-browser.sh); no browser download here


@pytest.fixture(scope="session")
def headless_chromium() -> dict:
    """Playwright launch options for Debian's Chromium, headless and off the network.

    Outside CI a missing browser skips the test with a hint; in CI it fails it.
    """
    if not os.path.exists(CHROMIUM):
        message = "Debian's chromium is missing: run scripts/provision-browser.sh"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    return {"executable_path": CHROMIUM, "args": args, "headless": True}
