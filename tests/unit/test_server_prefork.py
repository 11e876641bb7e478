"""The pre-forking supervisor on its own (server/prefork.py), with plain functions as workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork: Linux only")

SUPERVISOR = textwrap.dedent("""
    import os, socket, sys, time
    from pathlib import Path
    from vtsserving.server.prefork import Prefork

    mode, out = sys.argv[1], Path(sys.argv[2])

    def worker():
        (out / f"worker-{os.getpid()}").touch()
        if mode == "fail":
            return 3
        if mode == "stubborn":
            import signal
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.05)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    supervisor = Prefork(worker, workers=2, sockets=[sock], stop_timeout=1.0)
    supervisor.run()
    print("failed" if supervisor.failed else "stopped", sock.fileno())
""")


def _start(tmp_path: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SUPERVISOR, mode, str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _workers(tmp_path: Path, count: int, timeout: float = 20) -> set[int]:
    deadline = time.monotonic() + timeout
    while len(found := {int(p.name.split("-")[1]) for p in tmp_path.glob("worker-*")}) < count:
        assert time.monotonic() < deadline, found
        time.sleep(0.02)
    return found


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_a_dead_worker_is_replaced_and_sigterm_stops_all(tmp_path):
    proc = _start(tmp_path, "serve")
    first = _workers(tmp_path, 2)
    os.kill(min(first), signal.SIGKILL)
    replacement = _workers(tmp_path, 3) - first
    assert len(replacement) == 1 and not _gone(replacement.pop())
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and out.split()[-2:] == ["stopped", "-1"], out  # the socket was closed
    assert all(_gone(pid) for pid in _workers(tmp_path, 3))


def test_a_worker_that_cannot_start_stops_the_server(tmp_path):
    proc = _start(tmp_path, "fail")
    out, _ = proc.communicate(timeout=20)
    assert "failed" in out and "failed to start; stopping the server" in out, out
    assert len(_workers(tmp_path, 1)) <= 2  # no replacement for a worker that could not start


def test_workers_that_ignore_sigterm_are_killed_after_the_stop_timeout(tmp_path):
    proc = _start(tmp_path, "stubborn")
    workers = _workers(tmp_path, 2)
    time.sleep(0.2)  # let them ignore SIGTERM
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert "killing them" in out and "stopped" in out, out
    assert time.monotonic() - start >= 0.9  # waited for the stop timeout first
    assert all(_gone(pid) for pid in workers)


def test_sighup_replaces_every_worker(tmp_path):
    proc = _start(tmp_path, "serve")
    first = _workers(tmp_path, 2)
    proc.send_signal(signal.SIGHUP)
    second = _workers(tmp_path, 4) - first
    assert len(second) == 2 and all(_gone(pid) for pid in first)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)
    assert proc.returncode == 0


def test_the_server_loads_without_collector_passes_then_freezes_what_it_loaded() -> None:
    """`_collector_paused`: no cyclic collection while importing and loading (about 10% of it),
    then one full pass, and the survivors frozen for the forked workers to share."""
    code = textwrap.dedent("""
        import gc
        from vtsserving.server.worker import _collector_paused

        class Node:
            pass

        before = sum(s["collections"] for s in gc.get_stats())
        with _collector_paused():
            for _ in range(50_000):
                a, b = Node(), Node()
                a.peer, b.peer = b, a  # cyclic garbage, which would trigger passes
            during = sum(s["collections"] for s in gc.get_stats()) - before
            enabled_inside = gc.isenabled()
        print(during, enabled_inside, gc.isenabled(), gc.get_freeze_count() > 1000, gc.collect())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False", "True", "True", "0"]
