"""Slow clients (slowloris) cannot starve the server: head deadlines and a connection cap."""

from __future__ import annotations

import resource
import signal
import socket
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest
from vts_server_helpers import Server, start_server

pytestmark = pytest.mark.slow

SLOW = 1000


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("slow")
    config = tmp / "server.yaml"
    config.write_text("api_server: {header_timeout: 3, body_timeout: 2, max_connections: 600}\n")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))  # the common default, inherited
    try:
        server = start_server("slow_load_service:svc", tmp, "--config", str(config), env={"LOAD_SLEEP": "0"})
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    yield server
    server.stop(signal.SIGKILL)


def _slow(port: int) -> socket.socket:
    """A connection that starts a request head and never finishes it."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"POST /upper HTTP/1.1\r\nHost: x\r\n")
    return sock


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_an_unfinished_request_head_is_closed_after_the_deadline(guarded: Server) -> None:
    port = int(guarded.url.rsplit(":", 1)[1])
    sock = _slow(port)
    start = time.monotonic()
    try:
        assert _closed_by_server(sock, within=10)
        assert 2 <= time.monotonic() - start < 8  # header_timeout is 3 s
    finally:
        sock.close()


def test_a_body_that_trickles_in_gets_408_after_the_body_timeout(guarded: Server) -> None:
    port = int(guarded.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /upper HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 100\r\n\r\nonly ten b")
        start = time.monotonic()
        sock.settimeout(15)
        answer = sock.recv(4096)
        waited = time.monotonic() - start
        while b"}" not in answer:  # the head and the JSON body may come in separate segments
            more = sock.recv(4096)
            if not more:
                break
            answer += more
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"did not arrive within 2 s" in answer and 1.5 <= waited < 10


def test_a_thousand_slow_connections_do_not_stop_normal_requests(guarded: Server) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))  # this test holds 1,000 sockets
    port = int(guarded.url.rsplit(":", 1)[1])
    slow = [_slow(port) for _ in range(SLOW)]  # more than max_connections (600): the oldest are dropped
    try:
        times, failures = [], 0
        with httpx.Client(timeout=5) as client:
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                start = time.perf_counter()
                try:
                    answer = client.post(guarded.url + "/upper", content="a", headers={"content-type": "text/plain",
                                                                                       "connection": "close"})
                    failures += answer.status_code != 200
                except httpx.HTTPError:
                    failures += 1
                times.append(time.perf_counter() - start)
        p99 = statistics.quantiles(times, n=100)[98] * 1000
        print(f"{len(times)} requests during {SLOW} slow connections: p99 {p99:.1f} ms, {failures} failed")
        assert failures == 0 and len(times) > 50
        closed = sum(_closed_by_server(s, within=0.01) for s in slow)
        assert closed >= SLOW - 600  # the cap dropped the oldest ones at once, not after the deadline
    finally:
        for sock in slow:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
