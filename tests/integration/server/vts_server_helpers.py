"""Helpers for server tests: start `vtsserving serve` as a subprocess on 127.0.0.1, wait until ready."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

APP_DIR = Path(__file__).parent / "app"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running server process and its base URL; `logs()` reads what it printed."""

    def __init__(self, proc: subprocess.Popen, url: str, log_path: Path) -> None:
        self.proc, self.url, self.log_path = proc, url, log_path

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_server(
    target: str, tmp_path: Path, *args: str, cwd: Path = APP_DIR, env: dict[str, str] | None = None,
    ready: bool = True, timeout: float = 90,
) -> Server:
    port = free_port()
    log_path = tmp_path / f"server-{port}.log"
    cmd = [sys.executable, "-m", "vtsserving", "serve", target, "--host", "127.0.0.1", "--port", str(port), *args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    server = Server(proc, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout
    path = "/readyz" if ready else "/livez"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{server.logs()}")
        try:
            if httpx.get(server.url + path, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise AssertionError(f"server not {path} within {timeout}s:\n{server.logs()}")


def run_schemathesis(url: str, cwd: Path, *extra: str, max_examples: int = 25,
                     checks: str = "not_a_server_error") -> str:
    """Run schemathesis against `url`/docs.json (default check: no 5xx); return its output."""
    st = Path(sys.executable).parent / "schemathesis"
    cmd = [
        str(st), "run", url + "/docs.json", "--checks", checks,
        "--max-examples", str(max_examples), "--seed", "1", "--workers", "2",
        "--generation-database", "none", *extra,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    return out
