"""Scratch folders under a store's `.tmp/`: each held by a lock its writer keeps until done.

A writer killed at any point (kill -9 included) releases its lock with its process, so a scratch
folder whose lock is free belongs to nobody: `sweep()` removes it at the next store operation
instead of leaving a half-extracted model on disk. The lock file is taken before its folder
exists, and appears under its final name only once locked, so a sweeper never takes a folder or
a lock whose writer is still alive.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

_LOCK_SUFFIX = ".lock"
_PENDING = ".pending-"


@contextlib.contextmanager
def scratch_folder(tmp_root: Path, prefix: str) -> Iterator[Path]:
    """A new, locked folder `tmp_root/<prefix><random>`; it and its lock go when the block ends."""
    tmp_root.mkdir(parents=True, exist_ok=True)
    fd, path = _locked_name(tmp_root, prefix)
    try:
        path.mkdir()
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{_LOCK_SUFFIX}")
        os.close(fd)


def _locked_name(tmp_root: Path, prefix: str) -> tuple[int, Path]:
    """A fresh name whose `.lock` file appears already locked (locked first, then linked in)."""
    while True:
        path = tmp_root / f"{prefix}{secrets.token_hex(6)}"
        pending = tmp_root / f"{_PENDING}{secrets.token_hex(6)}"
        fd = os.open(pending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            os.link(pending, f"{path}{_LOCK_SUFFIX}")
        except FileExistsError:
            os.close(fd)
            continue
        except FileNotFoundError:  # a sweeper took the pending file before it was locked
            os.close(fd)
            continue
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(pending)
        return fd, path


def sweep(tmp_root: Path) -> list[str]:
    """Remove scratch folders whose writer is gone; returns their names."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(tmp_root))
    except OSError:  # no .tmp yet, or a store this process may only read
        return removed
    for entry in entries:
        if entry.name.startswith(_PENDING):
            if _unowned(entry.path):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)  # a writer killed while taking its lock
            continue
        if entry.name.endswith(_LOCK_SUFFIX):
            if not os.path.exists(entry.path[: -len(_LOCK_SUFFIX)]) and _unowned(entry.path):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)  # a lock left by a writer killed before its mkdir
            continue
        if _unowned(f"{entry.path}{_LOCK_SUFFIX}"):
            shutil.rmtree(entry.path, ignore_errors=True)
            with contextlib.suppress(OSError):
                os.unlink(f"{entry.path}{_LOCK_SUFFIX}")
            removed.append(entry.name)
    return removed


def _unowned(lock_path: str) -> bool:
    """True when no live process holds `lock_path` (or it is missing: an unlocked leftover)."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True
