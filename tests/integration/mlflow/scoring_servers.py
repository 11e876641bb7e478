"""Start `mlflow models serve` and `vtsserving serve mlflow-model:TAG` side by side, on 127.0.0.1.

Every server starts in its own process group (MLflow's CLI starts uvicorn as a child), all of
them at once, and `stop_all` ends each group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _start(name: str, cmd: list[str], env: dict[str, str], log_dir: Path, port: int) -> Server:
    log = log_dir / f"{name}.log"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # mlflow runs `uvicorn`
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=log_dir, env={**os.environ, **env, "PATH": path}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, proc, f"http://127.0.0.1:{port}", log)


def start_mlflow(name: str, folder: str, log_dir: Path) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "mlflow", "models", "serve", "-m", folder, "--env-manager", "local",
           "-h", "127.0.0.1", "-p", str(port)]
    return _start(f"mlflow-{name}", cmd, {}, log_dir, port)


def start_vts(name: str, tag: str, home: str, log_dir: Path, *args: str) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "vtsserving", "serve", f"mlflow-model:{tag}", "--host", "127.0.0.1",
           "--port", str(port), *args]
    return _start(f"vts-{name}", cmd, {"VTSSERVING_HOME": home}, log_dir, port)


def wait_all(servers: list[Server], timeout: float = 240) -> None:
    """Wait until every server answers `GET /ping` with 200."""
    pending = list(servers)
    deadline = time.monotonic() + timeout
    while pending:
        for server in list(pending):
            if server.proc.poll() is not None:
                raise AssertionError(f"{server.name} exited with {server.proc.returncode}:\n{server.logs()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(server.url + "/ping", timeout=2).status_code == 200:
                    pending.remove(server)
        if pending and time.monotonic() > deadline:
            raise AssertionError(f"not ready in {timeout}s: {[s.name for s in pending]}\n{pending[0].logs()}")
        time.sleep(0.3)


def stop_all(servers: list[Server]) -> None:
    for server in servers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
