"""`Store`: `<root>/<name>/<version>/` folders, a `latest` file per name, atomic saves.

A save is written under `<root>/.tmp/` (same filesystem) and renamed into place, so a
process killed at any point leaves nothing visible; `latest` is updated under a lock, and what a
killed writer left in `.tmp/` is swept at the next save or delete.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..exceptions import Conflict, InvalidArgument, NotFound
from ..tag import LATEST, Tag, new_version, validate_part
from ._scan import creation_time
from ._scratch import scratch_folder, sweep

_TMP = ".tmp"
_LATEST_FILE = "latest"
_LOCK_FILE = ".lock"


@dataclass(frozen=True)
class StoreItem:
    """One stored folder and its tag."""

    tag: Tag
    path: Path


def _scan_dirs(path: Path) -> Iterator[os.DirEntry[str]]:
    """Sub-folders of `path` (none when it is missing), skipping hidden ones like `.tmp`."""
    try:
        entries = os.scandir(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    with entries:
        for entry in entries:
            if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                yield entry


def _is_part(text: str) -> bool:
    """A folder name that is a valid, already lower-case tag part (others are ignored)."""
    try:
        return validate_part(text, "name") == text
    except InvalidArgument:
        return False


class Store:
    """Versioned directories under `root`; `kind` ("model", "vts") names them in errors."""

    def __init__(self, root: Path, kind: str, info_file: str) -> None:
        self.root = Path(root)
        self.kind = kind
        self.info_file = info_file

    # -- reading -----------------------------------------------------------------
    def list(self, name: str | None = None) -> list[StoreItem]:
        """Every item, or every version of `name`, sorted by name then creation time."""
        if name is not None:
            name = Tag(name).name
        if not self.root.is_dir():
            return []
        names = [name] if name else sorted(self._names())
        items: list[StoreItem] = []
        for item_name in names:
            items.extend(sorted(self._versions(item_name), key=self._sort_key))
        return items

    def get(self, tag: str | Tag) -> StoreItem:
        """Resolve `name`, `name:latest`, `name:version` or a unique version prefix."""
        tag = Tag.from_taglike(tag)
        name_dir = self.root / tag.name
        if not name_dir.is_dir():
            raise NotFound(f"{self.kind} {tag.name!r} not found in {self.root}")
        if tag.is_latest:
            return self._latest(tag.name)
        exact = name_dir / tag.version
        if self._is_item(exact):
            return StoreItem(tag, exact)
        matches = [i for i in self._versions(tag.name) if i.tag.version.startswith(tag.version)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"{self.kind} {tag} not found in {self.root}")
        found = ", ".join(sorted(str(m.tag) for m in matches))
        raise InvalidArgument(f"{self.kind} version prefix {tag} is ambiguous: {found}")

    def exists(self, tag: str | Tag) -> bool:
        try:
            self.get(tag)
        except (NotFound, InvalidArgument):
            return False
        return True

    # -- writing -----------------------------------------------------------------
    @contextlib.contextmanager
    def create(self, tag: str | Tag, *, overwrite: bool = False) -> Iterator[tuple[Tag, Path]]:
        """Yield `(tag, temp_dir)` to fill; on success the folder is renamed into place.

        A tag without a version gets a fresh one. Nothing is visible until the block ends
        without an exception.
        """
        tag = Tag.from_taglike(tag)
        if tag.is_latest:
            tag = tag.with_version(new_version())
        final = self.root / tag.name / tag.version
        if final.exists() and not overwrite:
            raise Conflict(f"{self.kind} {tag} already exists (overwrite=True or --overwrite replaces it)")
        sweep(self.root / _TMP)
        with scratch_folder(self.root / _TMP, f"{tag.name}-{tag.version}-") as work:
            yield tag, work
            self._commit(tag, work, final, overwrite)

    def delete(self, tag: str | Tag) -> StoreItem:
        """Remove one version; `latest` moves to the newest remaining version."""
        item = self.get(tag)
        sweep(self.root / _TMP)
        with self._lock(item.tag.name), scratch_folder(self.root / _TMP, "deleted-") as trash:
            os.rename(item.path, trash / item.tag.version)
            self._update_latest(item.tag.name)
        return item

    def sweep(self) -> list[str]:
        """Remove what writers that died (kill -9, power loss) left in `.tmp/`; returns the names."""
        return sweep(self.root / _TMP)

    # -- internals ---------------------------------------------------------------
    def _commit(self, tag: Tag, work: Path, final: Path, overwrite: bool) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        with self._lock(tag.name), scratch_folder(self.root / _TMP, "replaced-") as trash:
            if final.exists():
                if not overwrite:
                    raise Conflict(f"{self.kind} {tag} already exists (overwrite=True or --overwrite replaces it)")
                os.rename(final, trash / tag.version)
            # `latest` first: a kill before the rename leaves it naming a missing version,
            # which readers skip; the other order could leave it naming an older one.
            self._update_latest(tag.name, pending=StoreItem(tag, work))
            os.rename(work, final)

    def _update_latest(self, name: str, pending: StoreItem | None = None) -> None:
        name_dir = self.root / name
        versions = [v for v in self._versions(name) if not pending or v.tag != pending.tag]
        versions = sorted([*versions, *([pending] if pending else [])], key=self._sort_key)
        latest_file = name_dir / _LATEST_FILE
        if not versions:
            latest_file.unlink(missing_ok=True)
            (name_dir / _LOCK_FILE).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                name_dir.rmdir()
            return
        fd, tmp = tempfile.mkstemp(prefix=".latest-", dir=name_dir)
        with os.fdopen(fd, "w") as f:
            f.write(versions[-1].tag.version + "\n")
        os.replace(tmp, latest_file)

    def _latest(self, name: str) -> StoreItem:
        latest_file = self.root / name / _LATEST_FILE
        with contextlib.suppress(FileNotFoundError):
            version = latest_file.read_text().strip()
            path = self.root / name / version
            if version and self._is_item(path):
                return StoreItem(Tag(name, version), path)
        versions = sorted(self._versions(name), key=self._sort_key)
        if not versions:
            raise NotFound(f"{self.kind} {name!r} has no versions in {self.root}")
        return versions[-1]

    @contextlib.contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        """An exclusive lock per name; retried when a delete removed the lock file meanwhile."""
        lock_file = self.root / name / _LOCK_FILE
        while True:
            lock_file.parent.mkdir(parents=True, exist_ok=True)
            try:
                handle = open(lock_file, "a")  # noqa: SIM115 - closed below
            except FileNotFoundError:
                continue
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if os.fstat(handle.fileno()).st_ino == os.stat(lock_file).st_ino:
                    break
            except FileNotFoundError:
                pass
            handle.close()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def _names(self) -> Iterator[str]:
        for entry in _scan_dirs(self.root):
            if _is_part(entry.name):
                yield entry.name

    def _versions(self, name: str) -> Iterator[StoreItem]:
        for entry in _scan_dirs(self.root / name):
            info = os.path.join(entry.path, self.info_file)
            if entry.name != LATEST and _is_part(entry.name) and os.path.isfile(info):
                yield StoreItem(Tag(name, entry.name), Path(entry.path))

    def _is_item(self, path: Path) -> bool:
        return path.is_dir() and (path / self.info_file).is_file()

    def _sort_key(self, item: StoreItem) -> tuple[datetime, str]:
        return (creation_time(item.path, self.info_file), item.tag.version)
