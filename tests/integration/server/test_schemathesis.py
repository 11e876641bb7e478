"""Schemathesis fuzzes every operation in the served OpenAPI document: no 5xx may come back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from vts_server_helpers import APP_DIR, Server, run_schemathesis, start_server

pytestmark = pytest.mark.slow


def test_no_server_errors(descriptors_server, tmp_path):
    # /boom fails and /slow sleeps on purpose
    out = run_schemathesis(descriptors_server.url, tmp_path, "--exclude-path", "/boom", "--exclude-path", "/slow")
    assert "No issues found" in out, out[-3000:]
    assert "Tested: 15" in out, out[-3000:]  # every operation but the two excluded


ROOT = APP_DIR.parents[3]


def _model(tmp: Path, module: str, func: str) -> dict[str, str]:
    """Make a model with app/<module>.py in a fresh home; the env to serve it with."""
    env = {**os.environ, "VTSSERVING_HOME": str(tmp / "home")}
    code = f"import sys; sys.path.insert(0, {str(APP_DIR)!r}); from {module} import {func}; {func}({str(tmp)!r})"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, timeout=300)
    return {"VTSSERVING_HOME": env["VTSSERVING_HOME"]}


@pytest.fixture(scope="module")
def quickstart_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """scripts/quickstart/service.py, as the quickstart serves it, on a real iris MLflow model."""
    tmp = tmp_path_factory.mktemp("quickstart")
    env = _model(tmp, "make_iris", "make_iris_clf")
    server = start_server("service:svc", tmp, cwd=ROOT / "scripts" / "quickstart", env=env)
    yield server
    server.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def mnist_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The MNIST service of the MLflow guide (examples/mlflow/pytorch/service.py), on a small CNN."""
    tmp = tmp_path_factory.mktemp("mnist")
    env = _model(tmp, "make_mnist", "make_mnist")
    server = start_server("service:svc", tmp, cwd=ROOT / "examples" / "mlflow" / "pytorch", env=env)
    yield server
    server.stop(signal.SIGKILL)


@pytest.mark.parametrize("which", ["quickstart_server", "mnist_server"])
def test_every_check_passes_on_the_documented_services(which: str, request, tmp_path: Path) -> None:
    """Server errors, schema-valid requests refused, invalid ones accepted, responses off-schema:
    schemathesis looks for all of them; the OpenAPI schema and the validator follow one set of rules."""
    server = request.getfixturevalue(which)
    out = run_schemathesis(server.url, tmp_path, checks="all", max_examples=60)
    assert "No issues found" in out, out[-4000:]
    assert "Tested: 5" in out, out[-3000:]  # the API and the infrastructure routes
