"""Workers forked from a server process that imported the service once (server/prefork.py)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="fork: Linux only")]


def _marks(folder: Path, kind: str) -> set[int]:
    return {int(p.name.split("-", 1)[1]) for p in folder.glob(f"{kind}-*")}


def _worker_answers(url: str, count: int = 2, tries: int = 60) -> dict[int, dict]:
    """Answers of `count` different workers (new connections spread over them), by worker pid."""
    seen: dict[int, dict] = {}
    for _ in range(tries):
        answer = httpx.post(url + "/pids", json={}).json()
        seen[answer["worker"]] = answer
        if len(seen) == count:
            break
    return seen


def test_the_service_is_imported_once_and_shared_runnables_built_once(serve, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    server = serve("prefork_service:svc", "--workers", "2", env={"PIDS_DIR": str(pids)})
    answers = _worker_answers(server.url)
    assert len(answers) == 2, answers
    assert _marks(pids, "import") == {server.proc.pid}
    assert _marks(pids, "shared") == {server.proc.pid}
    assert {a["shared"] for a in answers.values()} == {server.proc.pid}
    # A runnable that is not safe to share is built by each worker itself.
    assert _marks(pids, "own") == set(answers) == {a["own"] for a in answers.values()}
    assert server.proc.pid not in answers


def test_a_replacement_is_forked_with_the_shared_runnable_already_built(serve, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    server = serve("prefork_service:svc", env={"PIDS_DIR": str(pids)})
    first = httpx.post(server.url + "/pids", json={}).json()["worker"]
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx.post(server.url + "/pids", json={})
            if response.status_code == 200 and response.json()["worker"] != first:
                answer = response.json()
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, server.logs()
        time.sleep(0.05)
    assert answer["shared"] == server.proc.pid and answer["own"] == answer["worker"]
    assert _marks(pids, "import") == _marks(pids, "shared") == {server.proc.pid}
    assert "died (signal 9); starting a replacement" in server.logs()


def test_preload_off_makes_each_worker_import_the_service(serve, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text("api_server:\n  preload: false\n")
    server = serve("prefork_service:svc", "--workers", "2", "--config", str(config), env={"PIDS_DIR": str(pids)})
    answers = _worker_answers(server.url)
    assert len(answers) == 2, answers
    assert _marks(pids, "import") >= set(answers)  # (the spawn start method imports in the parent too)
    assert {a["shared"] for a in answers.values()} == set(answers)
    assert server.stop(signal.SIGTERM) == 0  # spawned workers outlive a SIGKILLed supervisor


def test_killing_the_server_process_stops_its_workers(serve, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    server = serve("prefork_service:svc", "--workers", "2", env={"PIDS_DIR": str(pids)})
    workers = set(_worker_answers(server.url))
    server.proc.kill()
    server.proc.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "workers outlived the server process"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_killed_workers_in_flight_requests_leave_the_metrics(serve):
    server = serve("faults_service:svc", "--workers", "2")
    slow = threading.Thread(target=_post_quietly, args=(server.url, "30"), daemon=True)
    slow.start()
    deadline = time.monotonic() + 20
    while _in_flight(server.url, "/work") != 1:
        assert time.monotonic() < deadline, server.logs()
        time.sleep(0.05)
    pid = server.proc.pid
    workers = {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    assert len(workers) == 2, workers
    for pid in workers:  # the one holding the slow request among them
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while httpx.get(server.url + "/readyz").status_code != 200:
        assert time.monotonic() < deadline, server.logs()
        time.sleep(0.1)
    assert _in_flight(server.url, "/work") == 0


TEXT = {"content-type": "text/plain"}


def _post_quietly(url: str, text: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # its worker is killed
        httpx.post(url + "/work", content=text, headers=TEXT, timeout=60)


def _in_flight(url: str, route: str) -> float:
    try:
        text = httpx.get(url + "/metrics").text
    except httpx.HTTPError:
        return -1
    match = re.search(rf'^vts_http_requests_in_flight\{{route="{re.escape(route)}"\}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0
