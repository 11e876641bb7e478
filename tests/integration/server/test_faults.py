"""Overload and faults over real server processes: fast 503s, dropped work, worker crashes, drain."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from vts_server_helpers import APP_DIR, Server, free_port, start_server

pytestmark = pytest.mark.slow
TEXT = {"content-type": "text/plain"}


def _post(url: str, text: str, timeout: float = 30, route: str = "/work") -> httpx.Response:
    return httpx.post(url + route, content=text, headers=TEXT, timeout=timeout)


def _info(url: str) -> dict:
    return httpx.post(url + "/info", content="x", headers=TEXT, timeout=30).json()


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(scope="module")
def faults_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One worker, a 300 ms latency budget and a 0.5 s keep-alive timeout."""
    tmp = tmp_path_factory.mktemp("faults")
    config = tmp / "config.yaml"
    config.write_text(
        "api_server:\n  keep_alive_timeout: 0.5\nbatching:\n  max_latency_ms: 300\n"
        "runners:\n  slow_model:\n    methods:\n      patient: {max_latency_ms: 20000}\n"
    )
    server = start_server("faults_service:svc", tmp, "--config", str(config), env={"WORK_SLEEP": "0.05"})
    yield server
    server.stop(signal.SIGKILL)


async def _burst(url: str, n: int) -> list[tuple[httpx.Response, float]]:
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=n)) as client:

        async def one(i: int) -> tuple[httpx.Response, float]:
            start = time.perf_counter()
            response = await client.post("/work", content=f"w{i}", headers=TEXT)
            return response, time.perf_counter() - start

        return await asyncio.gather(*(one(i) for i in range(n)))


def test_unbatched_overload_is_answered_503_fast(faults_server):
    for _ in range(4):  # the gate learns what a call costs
        assert _post(faults_server.url, "warm").status_code == 200
    results = asyncio.run(_burst(faults_server.url, 60))
    statuses = [r.status_code for r, _ in results]
    assert set(statuses) <= {200, 503}, statuses
    assert 200 in statuses and statuses.count(503) >= 30, statuses
    for response, seconds in results:
        if response.status_code == 503:
            assert int(response.headers["retry-after"]) >= 1
            assert seconds < 3  # refused up front, not after waiting its turn
            assert "overloaded" in response.json()["error"] or "timed out" in response.json()["error"]
    assert max(s for r, s in results if r.status_code == 200) < 5  # bounded wait, not a 60-request queue
    metrics = httpx.get(faults_server.url + "/metrics").text
    labels = {"method": "work", "runner": "slow_model"}
    assert _metric(metrics, "vts_runner_rejected_total", **labels) >= statuses.count(503)
    assert _metric(metrics, "vts_runner_queue_wait_seconds_count", **labels) >= statuses.count(200)
    assert 'vts_runner_queue_length{method="work",runner="slow_model"} 0.0' in metrics
    logs = faults_server.logs()
    assert "runner slow_model loaded (no stored model) in" in logs and "service faults ready in" in logs


def test_work_of_a_client_that_left_is_never_computed(faults_server):
    before = _info(faults_server.url)["calls"]
    busy = [threading.Thread(target=_post, args=(faults_server.url, text, 30, "/patient")) for text in ("2", "0.01")]
    for thread in busy:  # one runs, the next is handed to the model thread
        thread.start()
        time.sleep(0.2)
    for i in range(4):  # they queue behind the busy calls, then give up
        with pytest.raises(httpx.TimeoutException):
            _post(faults_server.url, f"gone{i}", timeout=0.15, route="/patient")
    for thread in busy:
        thread.join()
    assert _info(faults_server.url)["calls"] == before + 2  # only the two busy calls ran
    metrics = httpx.get(faults_server.url + "/metrics").text
    assert _metric(metrics, "vts_runner_dropped_total", method="patient", runner="slow_model") == 4
    assert _metric(metrics, "vts_http_requests_total", method="POST", route="/patient", status="499") == 4


def test_idle_keep_alive_connection_closes_after_keep_alive_timeout(faults_server):
    port = int(faults_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while not answer.endswith(b"\r\n\r\nok"):  # the whole response, head and body
            answer += sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        time.sleep(1.5)  # keep_alive_timeout: 0.5 (the default, 5 s, would keep it open)
        assert sock.recv(4096) == b""


def _wait_for(predicate, timeout: float, server: Server) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, server.logs()
        time.sleep(0.1)


def _new_pid(url: str, old: int) -> bool:
    try:
        return _info(url)["pid"] != old
    except (httpx.HTTPError, json.JSONDecodeError, KeyError):
        return False


def test_a_crashed_only_worker_is_replaced(serve):
    server = serve("faults_service:svc")
    pid = _info(server.url)["pid"]
    os.kill(pid, signal.SIGKILL)
    _wait_for(lambda: _new_pid(server.url, pid), 60, server)
    assert server.proc.poll() is None
    assert _post(server.url, "again").text == "AGAIN"


def test_a_replacement_takes_no_connection_before_its_models_load(serve):
    server = serve("faults_service:svc", "--workers", "2", env={"LOAD_SLEEP": "2"})
    pid = _info(server.url)["pid"]
    os.kill(pid, signal.SIGKILL)
    statuses, ready = [], []
    deadline = time.monotonic() + 6  # the replacement spawns, imports, loads 2 s, then accepts
    while time.monotonic() < deadline:
        statuses.append(_post(server.url, "0.001").status_code)  # a new connection each time
        ready.append(httpx.get(server.url + "/readyz").status_code)
    assert set(statuses) == {200}, statuses  # the live worker took them all; no 503 while loading
    assert 503 in ready[:5], ready  # readiness counted the dead worker out at once
    _wait_for(lambda: httpx.get(server.url + "/readyz").status_code == 200, 60, server)
    pids = {_info(server.url)["pid"] for _ in range(12)}
    assert pid not in pids


def _keep_alive_client(url: str, stop: threading.Event, out: dict) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            try:
                response = client.post("/work", content="0.005", headers=TEXT)
            except httpx.ConnectError:
                out["refused"] += 1  # nothing sent: safe to retry elsewhere
                time.sleep(0.05)
                continue
            except httpx.HTTPError as exc:
                out["failed"].append(repr(exc))
                continue
            out["statuses"].append(response.status_code)
            out["closing"] += response.headers.get("connection") == "close"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_under_keep_alive_load_fails_no_request(tmp_path, workers):
    server = start_server("faults_service:svc", tmp_path, "--workers", workers)
    stop = threading.Event()
    outs = [{"statuses": [], "failed": [], "refused": 0, "closing": 0} for _ in range(4)]
    threads = [threading.Thread(target=_keep_alive_client, args=(server.url, stop, o)) for o in outs]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(30)
    stop.set()
    for thread in threads:
        thread.join(15)
    failed = [f for o in outs for f in o["failed"]]
    assert failed == [], failed
    assert all(set(o["statuses"]) == {200} for o in outs)
    assert sum(o["closing"] for o in outs) >= 1  # the last responses said Connection: close
    assert code == 0, server.logs()


def test_work_queued_past_the_graceful_timeout_gets_503(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("api_server:\n  graceful_shutdown_timeout: 2\nbatching:\n  max_latency_ms: 20000\n")
    server = start_server("faults_service:svc", tmp_path, "--config", str(config))
    out: dict = {}

    def queued() -> None:
        out["response"] = _post(server.url, "0.1")

    busy = threading.Thread(target=lambda: out.setdefault("busy", _safe_post(server.url, "4")))
    busy.start()
    time.sleep(0.3)
    handed = threading.Thread(target=lambda: out.setdefault("handed", _post(server.url, "0.1")))
    handed.start()  # waits with the model thread, not in the gate's queue: shed all the same
    time.sleep(0.3)
    waiting = threading.Thread(target=queued)
    waiting.start()
    time.sleep(0.3)
    start = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    waiting.join(30)
    response = out["response"]
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1" and "shutting down" in response.json()["error"]
    assert time.monotonic() - start < 2.5  # answered before the graceful timeout ran out
    handed.join(30)
    assert out["handed"].status_code == 503 and out["handed"].headers["retry-after"] == "1"
    busy.join(30)
    server.stop(signal.SIGKILL)


def _safe_post(url: str, text: str) -> object:
    try:
        return _post(url, text).status_code
    except httpx.HTTPError as exc:
        return repr(exc)


def test_a_taken_port_fails_at_once_before_models_load(tmp_path):
    with socket.socket() as taken:
        port = free_port()
        taken.bind(("127.0.0.1", port))
        taken.listen()
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "vtsserving", "serve", "slow_load_service:svc", "--port", str(port)],
            cwd=APP_DIR, capture_output=True, text=True, timeout=120, env={**os.environ, "LOAD_SLEEP": "60"},
        )
    assert proc.returncode != 0
    assert f"127.0.0.1:{port}" in proc.stderr and "in use" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - start < 30  # never waited for the 60 s model load
