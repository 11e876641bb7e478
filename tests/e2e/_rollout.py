"""A rolling update on one machine: containers of an image behind HAProxy, an open-loop load, a roll.

Kubernetes' part is played by hand, in the order the Deployment's strategy (maxSurge 1,
maxUnavailable 0) gives: start a new container on a spare port, wait for its `/readyz`, let
HAProxy's health checks mark it up, then SIGTERM an old one (`docker stop`) and wait for it to
exit. HAProxy checks `/readyz` as the kubelet's readiness probe does. Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _containerize_helpers import docker, wait_http

STOP_TIMEOUT = 30  # docker stop -t: above the server's graceful shutdown timeout (20 s)


@dataclass
class Fleet:
    """The containers of one image on fixed ports; one port is spare for the next new container."""

    image: str
    ports: list[int]
    run_args: list[str]  # docker flags (read-only root, mounts, user)
    command: list[str]  # the container's args, as the generated pod has them
    containers: dict[int, str] = field(default_factory=dict)

    def start(self, port: int) -> str:
        """A container with the pod's args, its `--port` moved to `port` (they share the host network)."""
        at = self.command.index("--port") + 1
        command = [*self.command[:at], str(port), *self.command[at + 1:]]
        container = docker("run", "-d", "--network", "host", *self.run_args, self.image, *command).stdout.strip()
        self.containers[port] = container
        return container

    def stop(self, port: int) -> int:
        """SIGTERM, wait for the exit, remove it; returns the exit code."""
        container = self.containers.pop(port)
        docker("stop", "-t", str(STOP_TIMEOUT), container, timeout=STOP_TIMEOUT + 30)
        code = int(docker("inspect", "-f", "{{.State.ExitCode}}", container).stdout.strip())
        docker("rm", "-f", container, check=False)
        return code

    def wait_ready(self, port: int, timeout: float = 120) -> float:
        started = time.monotonic()
        wait_http(f"http://127.0.0.1:{port}/readyz", self.containers[port], timeout=timeout)
        return time.monotonic() - started

    def remove_all(self) -> None:
        for container in self.containers.values():
            docker("rm", "-f", container, check=False)
        self.containers.clear()


@contextlib.contextmanager
def haproxy(config: str, folder: Path, binary: str = "haproxy") -> Iterator[subprocess.Popen]:
    """HAProxy in the foreground with `config`; stopped afterwards."""
    cfg = folder / "haproxy.cfg"
    cfg.write_text(config)
    proc = subprocess.Popen([binary, "-db", "-f", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _command(stats_socket: str, command: str) -> str:
    """One command to HAProxy's runtime API; its answer."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(stats_socket)
        sock.sendall(command.encode() + b"\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.decode()


def set_state(stats_socket: str, server: str, state: str) -> None:
    """`maint` takes a server out of rotation (as Kubernetes removes a terminating pod's endpoint)."""
    answer = _command(stats_socket, f"set server servers/{server} state {state}")
    assert answer.strip() == "", answer


def server_states(stats_socket: str) -> dict[str, str]:
    """`{server: UP|DOWN|MAINT...}` of the backend, from HAProxy's runtime API (`show stat`)."""
    lines = _command(stats_socket, "show stat").splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
    return {r["svname"]: r["status"].split()[0] for r in rows if r.get("pxname") == "servers"
            and r["svname"] not in ("BACKEND", "FRONTEND")}


def wait_states(stats_socket: str, want: dict[str, str], timeout: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while True:
        with contextlib.suppress(OSError):
            states = server_states(stats_socket)
            if all(states.get(name) == status for name, status in want.items()):
                return states
        if time.monotonic() > deadline:
            raise AssertionError(f"HAProxy never reached {want}: {states or 'no stats'}")
        time.sleep(0.2)


@dataclass
class LoadResult:
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def p99_ms(self) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[98] * 1000


class OpenLoopLoad:
    """`rate` requests a second on a fixed schedule (not waiting for answers), until stopped.

    Bounded: never more than `max_seconds` of sending. Every non-200 answer or transport error
    counts as a failure; latencies are those of the answered requests.
    """

    def __init__(self, url: str, body: object, rate: float, max_seconds: float = 300) -> None:
        self.url, self.body, self.rate, self.max_seconds = url, body, rate, max_seconds
        self.result = LoadResult()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> OpenLoopLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    async def _one(self, client: httpx.AsyncClient) -> None:
        started = time.perf_counter()
        try:
            response = await client.post(self.url, json=self.body)
        except httpx.HTTPError as error:
            self.result.failures.append(f"{type(error).__name__}: {error}")
            return
        if response.status_code != 200:
            self.result.failures.append(f"{response.status_code}: {response.text[:200]}")
            return
        self.result.latencies.append(time.perf_counter() - started)

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            tasks: set[asyncio.Task] = set()
            start = time.perf_counter()
            while not self._stop.is_set() and time.perf_counter() - start < self.max_seconds:
                due = start + self.result.sent / self.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                task = asyncio.create_task(self._one(client))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                self.result.sent += 1
            if tasks:
                await asyncio.gather(*tasks)
