"""Readiness across worker processes: `/readyz` says ready only once every worker has its models.

Each worker answers for itself, so with several workers a probe could reach a ready one while
another still loads and answers 503. Workers mark themselves ready in a folder the server shares
with them (`WorkerSettings.ready_dir`); `/readyz` counts the live ones (a killed worker's zombie
does not count) against the worker count. A draining worker (SIGTERM) is not ready.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


class Readiness:
    """This worker's state, and the server's when it runs several workers."""

    def __init__(self, ready_dir: str | None = None, workers: int = 1) -> None:
        self.ready = False
        self.draining = False
        self.error: str | None = None
        self._dir = Path(ready_dir) if ready_dir else None
        self._workers = workers

    def mark_ready(self) -> None:
        self.ready = True
        if self._dir is not None:
            (self._dir / str(os.getpid())).touch()

    def mark_stopped(self) -> None:
        if self._dir is not None:
            (self._dir / str(os.getpid())).unlink(missing_ok=True)

    def ready_workers(self) -> int:
        """How many workers of the server have their models loaded and are alive."""
        if self._dir is None:
            return int(self.ready)
        mine = str(os.getpid())
        return sum(p.name == mine or _alive(p.name) for p in self._dir.iterdir())

    def others_ready(self) -> bool:
        """Another live worker of this server is serving (so this one may load before it accepts)."""
        if self._dir is None:
            return False
        mine = str(os.getpid())
        return any(p.name != mine and _alive(p.name) for p in self._dir.iterdir())

    def server_ready(self) -> bool:
        """This worker is ready, not draining, and, with several workers, so are all the others."""
        if not self.ready or self.draining:
            return False
        if self._dir is None or self._workers <= 1:
            return True
        return self.ready_workers() >= self._workers

    def message(self) -> str:
        """Why the server is not ready, for `/readyz`."""
        if self.error:
            return self.error
        if self.draining:
            return "shutting down"
        if not self.ready:
            return "loading models"
        return f"{self.ready_workers()} of {self._workers} workers ready"


def _alive(pid: str) -> bool:
    """A running process (not a zombie waiting to be reaped)."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, OSError):
        return False
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    return True
