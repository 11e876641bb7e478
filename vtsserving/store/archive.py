"""Export one stored item to a `.tar.gz` and import it back, locally or through fsspec URLs.

Import checks every member before anything is written (no absolute paths, no `..`, no
links or devices, within `ArchiveLimits` and the free disk space, a valid info file at the
root, small and without YAML aliases), then extracts with tarfile's `data`
filter into the store's temporary folder, which is renamed into place only on success.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .._yaml import MAX_INFO_BYTES, load_untrusted
from ..exceptions import ConfigError, InvalidArgument, MissingDependency, NotFound
from ..tag import Tag, validate_part
from ._store import Store, StoreItem

ARCHIVE_SUFFIX = ".tar.gz"
GiB = 1024**3
_DISK_MARGIN = GiB // 4  # left free after an import, so the store's disk is never filled up
# Python < 3.10.12 has no extraction filters; the member checks still apply there.
_DATA_FILTER: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
_EXTRAS = {"s3": "s3", "s3a": "s3"}

@dataclass(frozen=True)
class ArchiveLimits:
    """What an imported archive may unpack to, checked before anything is written.

    The defaults fit models of up to tens of gigabytes; raise them (`--max-size`,
    `--max-files`, `--max-member-size`, `--max-ratio` on the import commands) for larger ones.
    The ratio catches a "zip bomb": a few megabytes that would unpack to gigabytes.
    """

    max_size: int = 64 * GiB  # all files together
    max_files: int = 20_000  # files and folders
    max_member_size: int = 32 * GiB  # any one file
    max_ratio: float = 100.0  # unpacked / archive size, checked past 1 GiB: model weights barely compress

# Reads the parsed info file and returns the item's tag, or raises with a clear message.
InfoValidator = Callable[[Any, str], Tag]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def is_url(location: str) -> bool:
    """True for `scheme://...` locations other than `file://`."""
    scheme, sep, _ = str(location).partition("://")
    return bool(sep) and scheme.lower() != "file" and len(scheme) > 1


def _local(location: str) -> Path:
    """A local path, accepting `file://` URLs and `~`."""
    if location.lower().startswith("file://"):
        location = location[len("file://") :]
    return Path(location).expanduser()


def _filesystem(url: str, storage_options: dict[str, Any] | None) -> tuple[Any, str]:
    import fsspec

    try:
        return fsspec.core.url_to_fs(url, **(storage_options or {}))
    except ImportError as exc:
        scheme = url.partition("://")[0].lower()
        extra = _EXTRAS.get(scheme)
        hint = (
            f"pip install 'vtsserving[{extra}]'"
            if extra
            else f"install the fsspec implementation for {scheme}://"
        )
        raise MissingDependency(f"{scheme}:// URLs need an extra package ({_one_line(exc)}): {hint}") from None
    except ValueError as exc:
        raise InvalidArgument(f"cannot open {url!r}: {_one_line(exc)}") from None


# -- export ----------------------------------------------------------------------
def archive_name(item_path: Path) -> str:
    """`<name>-<version>.tar.gz` for an item stored at `<root>/<name>/<version>`."""
    item_path = Path(item_path)
    return f"{item_path.parent.name}-{item_path.name}{ARCHIVE_SUFFIX}"


def _write_tar(item_path: Path, fileobj: IO[bytes]) -> None:
    def _clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    root = item_path.resolve()
    for path in item_path.rglob("*"):
        target = path.resolve()
        if path.is_symlink() and target != root and root not in target.parents:
            raise InvalidArgument(f"{path} links outside {item_path}: refusing to export it")
    with tarfile.open(fileobj=fileobj, mode="w:gz", dereference=True) as tar:
        for child in sorted(item_path.iterdir()):
            tar.add(child, arcname=child.name, filter=_clean)


def export_archive(
    item_path: Path, dest: str, *, storage_options: dict[str, Any] | None = None
) -> str:
    """Write a `.tar.gz` of one stored item to `dest` (a file, a folder or a URL); return it."""
    item_path = Path(item_path)
    if not item_path.is_dir():
        raise NotFound(f"{item_path} is not a stored item folder")
    dest = os.fspath(dest)
    if is_url(dest):
        return _export_remote(item_path, dest, storage_options)
    return _export_local(item_path, _local(dest), folder=dest.endswith(("/", os.sep)))


def _export_local(item_path: Path, dest: Path, folder: bool) -> str:
    if folder or dest.is_dir():
        dest = dest / archive_name(item_path)
    if not dest.parent.is_dir():
        raise NotFound(f"folder {dest.parent} does not exist: cannot write {dest.name}")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}-", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_tar(item_path, f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(dest.resolve())


def _export_remote(item_path: Path, dest: str, storage_options: dict[str, Any] | None) -> str:
    fs, path = _filesystem(dest, storage_options)
    if dest.endswith("/") or _isdir(fs, path):
        dest = dest.rstrip("/") + "/" + archive_name(item_path)
        path = path.rstrip("/") + "/" + archive_name(item_path)
    try:
        with fs.open(path, "wb") as f:
            _write_tar(item_path, f)
    except FileNotFoundError as exc:
        raise NotFound(f"cannot write {dest}: {_one_line(exc)} (does the bucket exist?)") from None
    except OSError as exc:
        raise InvalidArgument(f"cannot write {dest}: {_one_line(exc)}") from None
    return dest


def _isdir(fs: Any, path: str) -> bool:
    try:
        return bool(fs.isdir(path))
    except Exception:  # a missing bucket or key is simply "not a folder"
        return False


# -- import ----------------------------------------------------------------------
@contextmanager
def _open_source(src: str, storage_options: dict[str, Any] | None) -> Iterator[IO[bytes]]:
    if is_url(src):
        fs, path = _filesystem(src, storage_options)
        opener: Callable[[], IO[bytes]] = lambda: fs.open(path, "rb")  # noqa: E731
    else:
        path = _local(src)
        if not path.is_file():
            raise NotFound(f"archive {src} not found (expected a .tar.gz file)")
        opener = lambda: open(path, "rb")  # noqa: E731, SIM115
    try:
        handle = opener()
    except FileNotFoundError:
        raise NotFound(f"archive {src} not found") from None
    except OSError as exc:
        raise InvalidArgument(f"archive {src} cannot be read: {_one_line(exc)}") from None
    with handle:
        yield handle


@contextmanager
def _open_tar(src: str, storage_options: dict[str, Any] | None) -> Iterator[tuple[tarfile.TarFile, int | None]]:
    with _open_source(src, storage_options) as handle:
        packed = _size_of(handle)
        try:
            tar = tarfile.open(fileobj=handle, mode="r:*")  # noqa: SIM115 - closed below
        except (tarfile.TarError, EOFError, OSError):
            raise InvalidArgument(
                f"archive {src} is not a readable .tar.gz archive (expected a gzip-compressed tar file)"
            ) from None
        with tar:
            yield tar, packed


def _check_member(member: tarfile.TarInfo, src: str) -> str:
    """The member's normalized relative name; raise if it could escape or is not plain."""
    name = member.name
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[0].isalpha() and name[1] == ":"):
        raise InvalidArgument(f"archive {src}: member {name!r} has an absolute path")
    if ".." in name.replace("\\", "/").split("/"):
        raise InvalidArgument(f"archive {src}: member {name!r} contains '..'")
    if member.issym() or member.islnk():
        raise InvalidArgument(f"archive {src}: member {name!r} is a link; links are not allowed")
    if not (member.isfile() or member.isdir()):
        raise InvalidArgument(
            f"archive {src}: member {name!r} is a device or special file;"
            " only files and folders are allowed"
        )
    return posixpath.normpath(name)


def _read_members(tar: tarfile.TarFile, src: str, limits: ArchiveLimits) -> dict[str, tarfile.TarInfo]:
    """Every member, checked; reading stops at the first one past a limit."""
    checked: dict[str, tarfile.TarInfo] = {}
    total = 0
    try:
        for member in tar:
            if len(checked) >= limits.max_files:
                raise InvalidArgument(f"archive {src} holds more than {limits.max_files} files and folders"
                                      " (raise the limit with --max-files)")
            if member.size > limits.max_member_size:
                raise InvalidArgument(f"archive {src}: member {member.name!r} unpacks to {_gb(member.size)},"
                                      f" over the {_gb(limits.max_member_size)} limit (--max-member-size)")
            total += member.size
            if total > limits.max_size:
                raise InvalidArgument(f"archive {src} unpacks to more than {_gb(limits.max_size)}"
                                      " (raise the limit with --max-size)")
            checked[_check_member(member, src)] = member
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidArgument(f"archive {src} is not a readable .tar.gz archive: {_one_line(exc)}") from None
    checked.pop(".", None)
    return checked


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"


def _check_ratio(members: dict[str, tarfile.TarInfo], packed: int | None, src: str, limits: ArchiveLimits) -> None:
    unpacked = sum(m.size for m in members.values())
    if packed and unpacked > GiB and unpacked > limits.max_ratio * packed:
        raise InvalidArgument(f"archive {src} ({packed / 1e6:.1f} MB) unpacks to {_gb(unpacked)},"
                              f" {unpacked / packed:.0f} times its size (raise the limit with --max-ratio)")


def _size_of(handle: IO[bytes]) -> int | None:
    """The archive's own size, when its file can tell without reading it."""
    try:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(0)
        return size
    except (OSError, AttributeError, ValueError):
        return None


def _check_room(store: Store, members: dict[str, tarfile.TarInfo], src: str) -> None:
    """Refuse an archive that would fill the store's disk, before extracting any of it."""
    needed = sum(m.size for m in members.values())
    store.root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(store.root).free
    if needed + _DISK_MARGIN > free:
        raise InvalidArgument(f"archive {src} unpacks to {_gb(needed)}; {store.root} has {_gb(free)} free")


def _read_info(
    tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], store: Store, src: str
) -> Any:
    member = members.get(store.info_file)
    if member is None or not member.isfile():
        raise InvalidArgument(
            f"archive {src} has no {store.info_file} at its root: not an exported {store.kind}"
        )
    if member.size > MAX_INFO_BYTES:
        raise InvalidArgument(f"archive {src}: {store.info_file} is {member.size} bytes; the limit is {MAX_INFO_BYTES}")
    try:
        text = tar.extractfile(member).read()  # type: ignore[union-attr]
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidArgument(f"archive {src} is not a readable .tar.gz archive: {_one_line(exc)}") from None
    try:
        return load_untrusted(text, f"archive {src}: {store.info_file}")
    except ConfigError as exc:
        raise InvalidArgument(exc.message) from None


def tag_from_info(data: Any, where: str) -> Tag:
    """The default check: a mapping with a valid `name` and `version`."""
    if not isinstance(data, dict):
        raise InvalidArgument(f"{where} must hold a mapping, got {type(data).__name__}")
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        raise InvalidArgument(f"{where} must have string fields 'name' and 'version'")
    try:
        validate_part(name, "name")
        validate_part(version, "version")
    except InvalidArgument as exc:
        raise InvalidArgument(f"{where}: {exc}") from None
    return Tag(name, version)


def import_archive(
    store: Store,
    src: str,
    *,
    overwrite: bool = False,
    validate: InfoValidator | None = None,
    storage_options: dict[str, Any] | None = None,
    limits: ArchiveLimits | None = None,
) -> StoreItem:
    """Import an archive written by `export_archive` into `store`; nothing is written on error.

    `validate(data, where)` checks the parsed info file and returns the tag (default:
    `tag_from_info`). An existing version is a `Conflict` unless `overwrite`. Archives past
    `limits` (default `ArchiveLimits()`) or the store's free disk space are refused unread.
    """
    src = os.fspath(src)
    validate = validate or tag_from_info
    limits = limits or ArchiveLimits()
    with _open_tar(src, storage_options) as (tar, packed):
        members = _read_members(tar, src, limits)
        _check_ratio(members, packed, src, limits)
        tag = validate(_read_info(tar, members, store, src), f"{src}!{store.info_file}")
        _check_room(store, members, src)
        with store.create(tag, overwrite=overwrite) as (tag, work):
            try:
                tar.extractall(work, members=list(members.values()), **_DATA_FILTER)
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise InvalidArgument(f"archive {src} cannot be extracted: {_one_line(exc)}") from None
    return store.get(tag)
