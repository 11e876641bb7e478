"""Server lifecycle over real processes: readiness, PORT, workers, body limit, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from vts_server_helpers import APP_DIR, free_port, start_server

pytestmark = pytest.mark.slow


def test_ready_only_once_models_are_loaded(serve):
    server = serve("slow_load_service:svc", env={"LOAD_SLEEP": "3"}, ready=False)
    assert httpx.get(server.url + "/livez").status_code == 200
    not_ready = httpx.get(server.url + "/readyz")
    assert not_ready.status_code == 503
    early = httpx.post(server.url + "/upper", content="a", headers={"content-type": "text/plain"})
    assert early.status_code == 503 and early.headers["retry-after"] == "1"
    deadline = time.monotonic() + 30
    while httpx.get(server.url + "/readyz").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    ok = httpx.post(server.url + "/upper", content="a", headers={"content-type": "text/plain"})
    assert ok.text == "A"


def test_ready_only_once_every_worker_has_loaded(serve, tmp_path):
    env = {"LOAD_SLEEP": "1", "LOAD_STAGGER": "4", "LOAD_ORDER_FILE": str(tmp_path / "order")}
    server = serve("slow_load_service:svc", "--workers", "2", env=env, ready=False)
    deadline = time.monotonic() + 60
    saw_one_worker_ready = False
    while httpx.get(server.url + "/readyz").status_code != 200:
        assert time.monotonic() < deadline, server.logs()
        answer = httpx.post(server.url + "/upper", content="a", headers={"content-type": "text/plain"})
        saw_one_worker_ready |= answer.status_code == 200
        time.sleep(0.05)
    assert saw_one_worker_ready, "the first worker served while the second was loading"
    for _ in range(40):  # new connections spread over both workers: none may still be loading
        answer = httpx.post(server.url + "/upper", content="a", headers={"content-type": "text/plain"})
        assert answer.status_code == 200, answer.text


def test_port_env_and_vtsfile_default_target(tmp_path):
    work = tmp_path / "proj"
    work.mkdir()
    (work / "vtsfile.yaml").write_text('service: "descriptors_service:svc"\n')
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PYTHONPATH": str(APP_DIR)}
    proc = subprocess.Popen([sys.executable, "-m", "vtsserving", "serve"], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert httpx.post(f"http://127.0.0.1:{port}/double", json=[[1, 1, 1]]).json() == [[2, 2, 2]]
    finally:
        proc.terminate()
        proc.wait(30)


def test_import_error_is_one_clear_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "vtsserving", "serve", "broken_service:svc", "--port", str(free_port())],
        cwd=APP_DIR, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "the model path /nowhere does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_body_over_limit_is_413(serve, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("api_server:\n  max_body_size: 1000\n")
    server = serve("descriptors_service:svc", "--config", str(config))
    big = [[1, 2, 3]] * 500
    r = httpx.post(server.url + "/double", json=big)
    assert r.status_code == 413
    assert "1000" in r.json()["error"]

    def chunks():
        yield b"[[1,2,3]"
        for _ in range(300):
            yield b",[1,2,3]"
        yield b"]"

    chunked = httpx.post(server.url + "/double", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert httpx.post(server.url + "/double", json=[[1, 2, 3]]).status_code == 200


def _slow_request(url: str, out: dict) -> None:
    try:
        r = httpx.post(url + "/slow", content="4", headers={"content-type": "text/plain"}, timeout=30)
        out["status"], out["text"] = r.status_code, r.text
    except httpx.HTTPError as exc:
        out["error"] = repr(exc)


def _stops_accepting(url: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/livez", timeout=1)
        except httpx.HTTPError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("args", [(), ("--production", "--workers", "2")], ids=["one-worker", "two-workers"])
def test_sigterm_finishes_in_flight_and_exits_0(tmp_path, args):
    server = start_server("descriptors_service:svc", tmp_path, *args)
    if args:  # both workers answer metrics summed across processes
        for _ in range(20):
            httpx.post(server.url + "/double", json=[[1, 2, 3]])
        text = httpx.get(server.url + "/metrics").text
        assert 'vts_http_requests_total{method="POST",route="/double",status="200"} 20.0' in text
    out: dict = {}
    thread = threading.Thread(target=_slow_request, args=(server.url, out))
    thread.start()
    time.sleep(0.7)
    start = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    assert _stops_accepting(server.url, within=2.5)
    thread.join(30)
    assert out.get("status") == 200 and out.get("text") == "done", (out, server.logs())
    assert server.proc.wait(30) == 0, server.logs()
    assert time.monotonic() - start < 25


RELOAD_SERVICE = """
import vtsserving
from vtsserving.io import Text

svc = vtsserving.Service("reloading")

@svc.api(input=Text(), output=Text())
def word(text):
    return "{word}"
"""


def test_reload_serves_the_changed_code(tmp_path):
    """--reload runs workers from the settings handed over by `serve()` and restarts them."""
    app = tmp_path / "app"
    app.mkdir()
    source = app / "reload_service.py"
    source.write_text(RELOAD_SERVICE.format(word="first"))
    server = start_server("reload_service:svc", tmp_path, "--reload", cwd=app)

    def word() -> str:
        return httpx.post(server.url + "/word", content="x", headers={"content-type": "text/plain"}).text

    try:
        assert word() == "first"
        source.write_text(RELOAD_SERVICE.format(word="second"))
        deadline = time.monotonic() + 60
        while True:
            try:
                if word() == "second":
                    break
            except httpx.HTTPError:
                pass  # the worker is restarting
            assert time.monotonic() < deadline, server.logs()
            time.sleep(0.2)
    finally:
        assert server.stop() == 0, server.logs()
