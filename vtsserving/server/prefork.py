"""A pre-forking supervisor: the workers are forked from a process that has already loaded.

uvicorn's supervisor spawns each worker as a new interpreter, which imports the service and its
libraries again (scikit-learn with SciPy and pandas: about a second of CPU a worker) after the
supervisor spent its own start-up. Forked from a server process that imported the service once
(and built the runnables that are safe to share, `Runnable.PRELOAD`), a worker is ready as soon
as its event loop runs, a replacement for a crashed worker too, and the workers share the
model's memory pages until they write to them.

`Prefork.run()` keeps `workers` children alive: one that dies is replaced (after a second when it
lived under a second, so a crash loop does not spin); one that exits with `STARTUP_FAILURE` stops
them all. SIGTERM and SIGINT close the listening sockets, pass SIGTERM on, and wait for the
children to drain (SIGKILL after `stop_timeout`); SIGHUP replaces every worker. Linux only.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable

log = logging.getLogger("vtsserving.server")

STARTUP_FAILURE = 3  # uvicorn's exit code for a worker that could not start
_SIGNALS = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
_PR_SET_PDEATHSIG = 1


class Prefork:
    """Fork `workers` children, each running `target()` (its return value is the exit code)."""

    def __init__(
        self, target: Callable[[], int], *, workers: int, sockets: list[socket.socket], stop_timeout: float,
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self.target = target
        self.on_exit = on_exit  # told the pid of each worker that exited (its files to clean up)
        self.workers = workers
        self.sockets = sockets
        self.stop_timeout = stop_timeout
        self.children: dict[int, float] = {}  # pid -> when it was forked
        self.failed = False  # a worker exited with STARTUP_FAILURE
        self._stop_at: float | None = None

    def run(self) -> None:
        """Supervise until told to stop, or until a worker fails to start."""
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            for _ in range(self.workers):
                self._fork()
            while self.children:
                info = signal.sigtimedwait(_SIGNALS, 0.5)
                if info is not None and info.si_signo != signal.SIGCHLD:
                    self._on_signal(info.si_signo)
                self._reap()
                self._kill_stragglers()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)

    def _fork(self) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os._exit(self._child(parent))
        self.children[pid] = time.monotonic()

    def _child(self, parent: int) -> int:
        """A worker's life; never returns into the supervisor's code (the caller `_exit`s)."""
        code = 1
        try:
            for sig in _SIGNALS - {signal.SIGCHLD}:
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            _die_with(parent)
            code = int(self.target() or 0)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - the worker's last words, then its exit code
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return code

    def _on_signal(self, signo: int) -> None:
        if signo == signal.SIGHUP:
            log.info("SIGHUP: replacing the workers")
            self._signal_all(signal.SIGTERM)
            return
        self.stop()

    def stop(self) -> None:
        """Stop listening, tell the workers to drain, and stop replacing them."""
        if self._stop_at is not None:
            return
        self._stop_at = time.monotonic() + self.stop_timeout
        for sock in self.sockets:
            sock.close()  # new connections are refused at once, not queued for nobody
        self._signal_all(signal.SIGTERM)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            started = self.children.pop(pid, None)
            if started is not None:
                if self.on_exit is not None:
                    self.on_exit(pid)
                self._on_exit(pid, status, started)

    def _on_exit(self, pid: int, status: int, started: float) -> None:
        code = os.waitstatus_to_exitcode(status)
        if self._stop_at is not None:
            return
        if code == STARTUP_FAILURE:
            log.error("worker %d failed to start; stopping the server", pid)
            self.failed = True
            self.stop()
            return
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        log.warning("worker %d died (%s); starting a replacement", pid, how)
        if time.monotonic() - started < 1.0:
            time.sleep(1.0)  # a worker that dies at once would otherwise be forked in a tight loop
        self._fork()

    def _kill_stragglers(self) -> None:
        if self._stop_at is not None and time.monotonic() > self._stop_at:
            log.warning("workers still running %.0f s after SIGTERM: killing them", self.stop_timeout)
            self._signal_all(signal.SIGKILL)
            self._stop_at = float("inf")

    def _signal_all(self, signo: int) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signo)


def _die_with(parent: int) -> None:
    """Have the kernel send this worker SIGTERM when the supervisor dies (no orphaned workers)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
