"""Readiness across worker processes: `/readyz` says ready only once every worker has its models.

Each worker answers for itself, so with several workers a probe could reach a ready one while
another still loads and answers 503. Workers mark themselves ready in a folder the server shares
with them (`WorkerSettings.ready_dir`); `/readyz` counts the live ones against the worker count.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


class Readiness:
    """This worker's state, and the server's when it runs several workers."""

    def __init__(self, ready_dir: str | None = None, workers: int = 1) -> None:
        self.ready = False
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

    def server_ready(self) -> bool:
        """This worker is ready and, with several workers, so are all the others."""
        if not self.ready:
            return False
        if self._dir is None or self._workers <= 1:
            return True
        return sum(_alive(p.name) for p in self._dir.iterdir()) >= self._workers


def _alive(pid: str) -> bool:
    with contextlib.suppress(ValueError, OSError):
        os.kill(int(pid), 0)
        return True
    return False
