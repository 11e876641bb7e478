"""Real MLflow components for the MLflow import tests, started once per session.

- an MLflow tracking server (`mlflow server`, sqlite backend, local artifact store served
  over HTTP) on 127.0.0.1;
- moto's standalone S3 server on 127.0.0.1 (`MLFLOW_S3_ENDPOINT_URL`);
- small models logged once: an iris LogisticRegression and a tiny PyTorch net on 1x28x28
  digits (sklearn's `load_digits`, upscaled), both logged, registered and downloaded to a local folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow_helpers import digits_data, iris_data, iris_model, torch_model

BUCKET = "vts-models"
SK_REGISTERED = "iris-lr"
TORCH_REGISTERED = "digits-net"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"mlflow server exited {proc.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(
        f"mlflow server did not answer {url} in {timeout}s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="session", autouse=True)
def session_env() -> Iterator[pytest.MonkeyPatch]:
    """Environment for the whole session: fast MLflow logging, fake AWS credentials."""
    mp = pytest.MonkeyPatch()
    # MLflow infers pip requirements in a subprocess (10+ s a model here): skip it.
    mp.setenv("MLFLOW_REQUIREMENTS_INFERENCE_TIMEOUT", "1")
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
    mp.setenv("GIT_PYTHON_REFRESH", "quiet")
    yield mp
    mp.undo()


@dataclass
class _Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    ready: bool = False

    def wait(self) -> str:
        if not self.ready:
            _wait_http(f"{self.url}/health", self.proc, self.log)
            self.ready = True
        return self.url


@pytest.fixture(scope="session")
def _server(
    tmp_path_factory: pytest.TempPathFactory, session_env: pytest.MonkeyPatch
) -> Iterator[_Server]:
    """Start `mlflow server` (sqlite backend, artifacts served over HTTP); ready comes later."""
    root = tmp_path_factory.mktemp("mlflow_server")
    port = free_port()
    log = root / "server.log"
    cmd = [sys.executable, "-m", "mlflow", "server"]
    cmd += ["--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"]
    cmd += ["--artifacts-destination", str(root / "artifacts")]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    # The job runner starts extra processes that import MLflow: not needed here.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=root, env=env, start_new_session=True
        )
    server = _Server(proc, f"http://127.0.0.1:{port}", log)
    try:
        yield server
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and its workers (its own process group, started above)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def mlflow_server(_server: _Server, session_env: pytest.MonkeyPatch) -> str:
    """URL of the real tracking server; MLFLOW_TRACKING_URI points at it for the session."""
    import mlflow

    url = _server.wait()
    session_env.setenv("MLFLOW_TRACKING_URI", url)
    mlflow.set_tracking_uri(url)
    return url


@pytest.fixture(scope="session")
def s3_server(session_env: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 with bucket BUCKET; MLFLOW_S3_ENDPOINT_URL points at it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    session_env.setenv("MLFLOW_S3_ENDPOINT_URL", endpoint)
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def tracking(mlflow_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tracking server, with this test's env (and mlflow's global state) pointing at it."""
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    mlflow.set_tracking_uri(mlflow_server)
    return mlflow_server


@dataclass(frozen=True)
class Logged:
    """A model logged to the tracking server, registered, and saved to a local folder."""

    run_id: str
    name: str  # the name it was logged under in the run
    model_uri: str  # what log_model returned (models:/m-<id> on MLflow 3)
    artifact_uri: str  # mlflow.get_artifact_uri(name) inside the run
    registered: str
    local_dir: Path


@pytest.fixture(scope="session")
def logged_sklearn(_server: _Server, tmp_path_factory: pytest.TempPathFactory) -> Logged:
    import mlflow
    import mlflow.sklearn

    model = iris_model()  # trains while the server starts
    X, _ = iris_data()
    _use(_server)
    mlflow.set_experiment("vts-sklearn")
    with mlflow.start_run() as run:
        mlflow.log_params({"max_iter": 300})
        mlflow.log_metric("accuracy", float(model.score(*iris_data())))
        mlflow.set_tag("team", "vts")
        info = mlflow.sklearn.log_model(model, name="model", input_example=X.iloc[:2])
        artifact_uri = mlflow.get_artifact_uri("model")
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)  # set_experiment exports it: keep it in here
    _register(info.model_uri, SK_REGISTERED, alias="champion", stage="Staging")
    local = _download(info.model_uri, tmp_path_factory.mktemp("saved") / "iris")
    return Logged(run.info.run_id, "model", info.model_uri, artifact_uri, SK_REGISTERED, local)


@pytest.fixture(scope="session")
def logged_torch(_server: _Server, tmp_path_factory: pytest.TempPathFactory) -> Logged:
    import mlflow
    import mlflow.pytorch

    net = torch_model()  # trains while the server starts
    X, _ = digits_data()
    _use(_server)
    mlflow.set_experiment("vts-pytorch")
    with mlflow.start_run() as run:
        info = mlflow.pytorch.log_model(net, name="pytorch-model", input_example=X[:2])
        artifact_uri = mlflow.get_artifact_uri("pytorch-model")
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)  # set_experiment exports it: keep it in here
    _register(info.model_uri, TORCH_REGISTERED, alias="champion", stage="Production")
    local = _download(info.model_uri, tmp_path_factory.mktemp("saved") / "digits")
    return Logged(
        run.info.run_id, "pytorch-model", info.model_uri, artifact_uri, TORCH_REGISTERED, local
    )


def _download(model_uri: str, dest: Path) -> Path:
    """A plain local copy of a logged model, as `mlflow.<flavor>.save_model` would write it."""
    import mlflow.artifacts

    return Path(mlflow.artifacts.download_artifacts(model_uri, dst_path=str(dest)))


def _use(server: _Server) -> None:
    import mlflow

    mlflow.set_tracking_uri(server.wait())


def _register(model_uri: str, name: str, *, alias: str, stage: str) -> None:
    import warnings

    import mlflow
    from mlflow import MlflowClient

    version = mlflow.register_model(model_uri, name).version
    client = MlflowClient()
    client.set_registered_model_alias(name, alias, version)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.transition_model_version_stage(name, version, stage)


@pytest.fixture(scope="session")
def s3_sklearn(s3_server: str, logged_sklearn: Logged) -> str:
    """`s3://` URI of the iris model folder uploaded to moto."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=s3_server)
    for file in logged_sklearn.local_dir.rglob("*"):
        if file.is_file():
            key = f"models/iris/{file.relative_to(logged_sklearn.local_dir).as_posix()}"
            s3.upload_file(str(file), BUCKET, key)
    return f"s3://{BUCKET}/models/iris"


# -- leftovers ----------------------------------------------------------------------------


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh temp dir for `tempfile` (so a test can check nothing is left in it)."""
    import tempfile

    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp
