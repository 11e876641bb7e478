"""Bad MLflow model URIs: one clear line naming the URI, nothing stored, no temp files left."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from mlflow_helpers import store_leftovers

import vtsserving
from vtsserving.exceptions import InvalidArgument, NotFound, ServiceUnavailable, VtsServingError

pytestmark = pytest.mark.slow


def _import_fails(uri: str, home: Path, tmp: Path, error: type[VtsServingError], match: str) -> str:
    with pytest.raises(error) as info:
        vtsserving.mlflow.import_model("bad", uri)
    message = str(info.value)
    assert "\n" not in message
    assert uri in message
    assert match in message, message
    assert store_leftovers(home) == []
    tmp_root = home / "models" / ".tmp"
    assert not tmp_root.exists() or list(tmp_root.iterdir()) == []
    assert list(tmp.iterdir()) == []
    return message


def test_missing_local_path(vts_home, private_tmp, tmp_path: Path) -> None:
    _import_fails(str(tmp_path / "nope"), vts_home, private_tmp, NotFound, "does not exist")


def test_folder_that_is_not_an_mlflow_model(vts_home, private_tmp, tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "model.pkl").write_bytes(b"x")
    _import_fails(str(folder), vts_home, private_tmp, InvalidArgument, "no MLmodel file")


def test_mlmodel_without_pyfunc(vts_home, tmp_path: Path, logged_sklearn, private_tmp) -> None:
    folder = tmp_path / "no_pyfunc"
    shutil.copytree(logged_sklearn.local_dir, folder)
    mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    del mlmodel["flavors"]["python_function"]
    (folder / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    _import_fails(str(folder), vts_home, private_tmp, InvalidArgument, "no python_function flavor")


def test_unknown_run(tracking, vts_home, private_tmp) -> None:
    uri = "runs:/0123456789abcdef0123456789abcdef/model"
    _import_fails(uri, vts_home, private_tmp, NotFound, "not found")


def test_missing_artifact_in_real_run(tracking, vts_home, logged_sklearn, private_tmp) -> None:
    uri = f"runs:/{logged_sklearn.run_id}/no-such-model"
    _import_fails(uri, vts_home, private_tmp, NotFound, "not found")


@pytest.mark.parametrize("suffix", ["/1", "/99", "/Archived", "@nope"])
def test_unknown_registered_model_version_stage_alias(
    tracking, vts_home, logged_sklearn, private_tmp, suffix: str
) -> None:
    name = "no-such-model" if suffix == "/1" else logged_sklearn.registered
    _import_fails(f"models:/{name}{suffix}", vts_home, private_tmp, NotFound, "not found")


def test_unknown_logged_model_id(tracking, vts_home, private_tmp) -> None:
    uri = "models:/m-0123456789abcdef0123456789abcdef"
    _import_fails(uri, vts_home, private_tmp, NotFound, "not found")


def test_missing_s3_key(s3_sklearn: str, vts_home, private_tmp) -> None:
    uri = s3_sklearn.rsplit("/", 1)[0] + "/absent"
    _import_fails(uri, vts_home, private_tmp, NotFound, "not found")


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


@pytest.mark.parametrize("kind", ["silent", "refused"])
def test_tracking_server_that_does_not_answer(
    kind: str, silent_server: str, vts_home, monkeypatch: pytest.MonkeyPatch, private_tmp
) -> None:
    import mlflow

    if kind == "silent":
        url = silent_server
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    mlflow.set_tracking_uri(url)
    start = time.monotonic()
    try:
        message = _import_fails(
            "runs:/0123456789abcdef0123456789abcdef/model",
            vts_home,
            private_tmp,
            ServiceUnavailable,
            "no answer from",
        )
    finally:
        mlflow.set_tracking_uri(None)
    assert url in message
    assert time.monotonic() - start < 30
