"""Fixtures for server tests: servers started as subprocesses, stopped after the test."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from vts_server_helpers import Server, start_server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`serve(target, *cli_args, env=...)` -> Server; every server is stopped after the test."""
    started: list[Server] = []

    def _serve(target: str, *args: str, **kwargs) -> Server:
        server = start_server(target, tmp_path, *args, **kwargs)
        started.append(server)
        return server

    yield _serve
    for server in started:
        server.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def descriptors_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server of app/descriptors_service.py shared by a module's tests."""
    tmp = tmp_path_factory.mktemp("descriptors")
    env = {"VTSSERVING_HOME": str(tmp / "home")}
    server = start_server("descriptors_service:svc", tmp, env=env)
    yield server
    server.stop(signal.SIGKILL)
