"""Run every example under examples/mlflow/ as a user would: train, import, serve, call over HTTP.

Each example is copied to a temporary folder (nothing is written into the checkout), trained
with a temporary MLflow tracking store and the test's own VTSSERVING_HOME, then served with
`vtsserving serve` on 127.0.0.1 and asked for one good prediction and one bad request (4xx).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "mlflow"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The pieces these examples stand on, and the issue that delivers each.
_REQUIRED = {
    "vtsserving.mlflow": "MLflow import (issue #3)",
    "vtsserving.io": "IO descriptors (issue #4)",
    "vtsserving.cli.serve": "`vtsserving serve` (issue #4)",
}


def _require(*modules: str) -> None:
    """Skip (fail in CI) with the missing piece named, when a module the example needs is absent."""
    missing = [f"{m} [{_REQUIRED.get(m, '?')}]" for m in modules if not _importable(m)]
    if missing:
        message = "example needs modules not in the tree yet: " + ", ".join(missing)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mlflow_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private MLflow tracking store (sqlite) for this test, in the environment."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    return tmp_path


def _copy_example(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(
        EXAMPLES / name,
        target,
        ignore=shutil.ignore_patterns("__pycache__", "mlruns", "mlartifacts", "*.db"),
    )
    return target


def _run_script(folder: Path, script: str, timeout: int = 300) -> str:
    proc = subprocess.run(
        [sys.executable, script],
        cwd=folder,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{script} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} not ready within {timeout}s:\n{log.read_text()[-4000:]}")


def _build(folder: Path, mlflow_model: str | None = None) -> str:
    """`vtsserving build` in the example folder, as its README says; returns the vts tag."""
    env = dict(os.environ)
    if mlflow_model:
        env["VTSSERVING_MLFLOW_MODEL_PATH"] = subprocess.run(
            [sys.executable, "-m", "vtsserving", "models", "get", mlflow_model, "-o", "path"],
            capture_output=True, text=True, check=True, env=env,
        ).stdout.strip()
    proc = subprocess.run(
        [sys.executable, "-m", "vtsserving", "build", "-o", "json"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    vts = json.loads(proc.stdout)
    assert vts["models"], vts  # the service's models travel in the bundle
    assert (Path(vts["path"]) / "src" / "service.py").is_file()
    return vts["tag"]


@contextmanager
def _serve(folder: Path, mlflow_model: str | None = None) -> Iterator[httpx.Client]:
    """Build the example, then `vtsserving serve VTS_TAG` on a free port; yields a client once /readyz answers."""
    target = _build(folder, mlflow_model)
    port = _free_port()
    log = folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vtsserving", "serve", target, "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/readyz", proc, log, timeout=180)
        with httpx.Client(base_url=base, timeout=60) as client:
            yield client
    finally:
        _stop(proc)


def _assert_client_error(response: httpx.Response) -> dict:
    """A wrong request gets a 4xx whose body is a JSON object."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body, dict) and body, body
    return body


EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def test_every_workflow_has_an_example() -> None:
    assert sorted(
        ["native_sklearn", "pytorch", "registered_model", "run_metadata", "sklearn_autolog", "sklearn_logistic_regression"]
    ) == EXAMPLE_NAMES
    for name in EXAMPLE_NAMES:
        files = {p.name for p in (EXAMPLES / name).iterdir()}
        assert {"README.md", "train.py", "service.py", "vtsfile.yaml"} <= files, name


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_vtsfile_is_valid(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each example's vtsfile.yaml passes the build's schema, paths resolved."""
    import yaml

    from vtsserving.builder.config import VtsfileConfig

    model = tmp_path / "model" / "mlflow_model"
    model.mkdir(parents=True)
    (model / "requirements.txt").write_text("scikit-learn\n")
    monkeypatch.setenv("VTSSERVING_MLFLOW_MODEL_PATH", str(model.parent))
    path = EXAMPLES / name / "vtsfile.yaml"
    config = VtsfileConfig.from_dict(yaml.safe_load(path.read_text()), str(path))
    config.resolved(EXAMPLES / name, str(path))
    assert config.service == "service:svc"
    assert config.labels["example"] == name


@pytest.mark.slow
def test_sklearn_logistic_regression(tmp_path: Path, mlflow_env: Path) -> None:
    _require("vtsserving.mlflow", "vtsserving.io", "vtsserving.cli.serve")
    folder = _copy_example("sklearn_logistic_regression", tmp_path)
    out = _run_script(folder, "train.py")
    assert "Model imported to VtsServing" in out

    import vtsserving

    model = vtsserving.mlflow.get("logistic_regression_model:latest")
    assert model.info.module == "vtsserving.mlflow"

    with _serve(folder, mlflow_model="logistic_regression_model:latest") as client:
        rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
        response = client.post("/predict", json=rows)
        assert response.status_code == 200, response.text
        assert np.asarray(response.json()).tolist() == [0, 2]

        bad = client.post("/predict", content=b"[[5.1, 3.5", headers={"content-type": "application/json"})
        _assert_client_error(bad)


@pytest.mark.slow
def test_pytorch(tmp_path: Path, mlflow_env: Path) -> None:
    _require("vtsserving.mlflow", "vtsserving.io", "vtsserving.cli.serve")
    folder = _copy_example("pytorch", tmp_path)
    _run_script(folder, "train.py")

    import vtsserving

    model = vtsserving.mlflow.get("mlflow_pytorch_mnist:latest")
    assert model.info.signatures["predict"].batchable is True

    sys.path.insert(0, str(folder))
    try:
        from data import load_mnist_like
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("data", None)
    images, labels = load_mnist_like()
    batch, batch_labels = images[:16], labels[:16]

    with _serve(folder) as client:
        response = client.post("/predict", json=batch.tolist())
        assert response.status_code == 200, response.text
        scores = np.asarray(response.json())
        assert scores.shape == (16, 10)
        assert (scores.argmax(axis=1) == batch_labels).mean() >= 0.75

        # A flat list of 784 numbers is not a batch of 1x28x28 images.
        bad = client.post("/predict", json=batch[0].ravel().tolist())
        _assert_client_error(bad)


@pytest.mark.slow
def test_sklearn_autolog(tmp_path: Path, mlflow_env: Path) -> None:
    _require("vtsserving.mlflow", "vtsserving.io", "vtsserving.cli.serve")
    folder = _copy_example("sklearn_autolog", tmp_path)
    _run_script(folder, "train.py")

    with _serve(folder) as client:
        response = client.post("/predict", json=[[3.0, 5.0], [1.0, 1.0]])
        assert response.status_code == 200, response.text
        assert np.allclose(np.asarray(response.json()).ravel(), [16.0, 6.0])

        bad = client.post("/predict", json=[["a", "b"]])
        _assert_client_error(bad)


@pytest.fixture
def tracking_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real MLflow tracking server on 127.0.0.1 with a sqlite backend and local artifacts."""
    port = _free_port()
    root = tmp_path / "mlflow_server"
    root.mkdir()
    log = root / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "mlflow", "server",
                "--host", "127.0.0.1", "--port", str(port),
                "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
                "--artifacts-destination", str(root / "artifacts"),
                "--workers", "1",
            ],
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/health", proc, log, timeout=180)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
        monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
        yield url
    finally:
        _stop(proc)


@pytest.mark.slow
def test_registered_model(tmp_path: Path, tracking_server: str) -> None:
    _require("vtsserving.mlflow", "vtsserving.io", "vtsserving.cli.serve")
    folder = _copy_example("registered_model", tmp_path)
    _run_script(folder, "train.py")
    out = _run_script(folder, "import_model.py")
    assert out.count("my_mlflow_model:") == 3, out

    import vtsserving

    assert len(vtsserving.models.list("my_mlflow_model")) == 3
    from sklearn.datasets import load_diabetes

    rows = load_diabetes(return_X_y=True)[0][:5]
    expected = vtsserving.mlflow.load_model("my_mlflow_model:latest").predict(rows)

    with _serve(folder) as client:
        response = client.post("/predict", json=rows.tolist())
        assert response.status_code == 200, response.text
        assert np.allclose(np.asarray(response.json()).ravel(), np.asarray(expected).ravel())

        bad = client.post("/predict", json=[[0.1, 0.2, 0.3]])
        _assert_client_error(bad)


@pytest.mark.slow
def test_run_metadata(tmp_path: Path, mlflow_env: Path) -> None:
    _require("vtsserving.mlflow", "vtsserving.io", "vtsserving.cli.serve")
    folder = _copy_example("run_metadata", tmp_path)
    _run_script(folder, "train.py")

    import vtsserving

    info = vtsserving.mlflow.get("wine_svc:latest").info
    assert info.labels["team"] == "wine-quality"
    assert info.metadata["params"] == {"C": "1.0", "kernel": "rbf"}
    assert info.metadata["metrics"]["test_accuracy"] > 0.8

    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    with _serve(folder) as client:
        response = client.post("/predict", json=X[::30].tolist())
        assert response.status_code == 200, response.text
        assert (np.asarray(response.json()).ravel() == y[::30]).mean() >= 0.8

        served_info = client.post("/model_info", json={})
        assert served_info.status_code == 200, served_info.text
        assert served_info.json()["metadata"]["params"]["kernel"] == "rbf"

        bad = client.post("/predict", content=b"1,2,3", headers={"content-type": "text/plain"})
        _assert_client_error(bad)


@pytest.mark.slow
def test_native_sklearn(tmp_path: Path, mlflow_env: Path) -> None:
    _require("vtsserving.sklearn", "vtsserving.io", "vtsserving.cli.serve")
    folder = _copy_example("native_sklearn", tmp_path)
    _run_script(folder, "train.py")

    import vtsserving

    model = vtsserving.sklearn.get("iris_clf:latest")
    assert set(model.info.signatures) == {"predict", "predict_proba"}

    with _serve(folder) as client:
        rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
        classes = client.post("/predict", json=rows)
        assert classes.status_code == 200, classes.text
        assert np.asarray(classes.json()).tolist() == [0, 2]

        proba = client.post("/predict_proba", json=rows)
        assert proba.status_code == 200, proba.text
        proba_arr = np.asarray(proba.json())
        assert proba_arr.shape == (2, 3)
        assert np.allclose(proba_arr.sum(axis=1), 1.0)
        assert proba_arr.argmax(axis=1).tolist() == [0, 2]

        bad = client.post("/predict_proba", json=[[5.1, 3.5, 1.4]])
        _assert_client_error(bad)
