"""Read stored info files fast: a parse cached by file stamp, and a scan of top-level scalars.

Listing thousands of stored folders must not run thousands of full YAML parses.
"""

from __future__ import annotations

import contextlib
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError

_Stamp = tuple[int, int, int]
_INFO_CACHE: dict[Path, tuple[_Stamp, Any]] = {}
_SCALARS_CACHE: dict[Path, tuple[_Stamp, dict[str, str]]] = {}


def _stamp(path: Path) -> _Stamp:
    """What identifies one version of a file for the caches: inode, size, mtime."""
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def cached_yaml(path: Path) -> Any:
    """Parse an info file (`model.yaml`, `vts.yaml`) as untrusted YAML, cached by file stamp.

    Returns None when the file is missing, not valid YAML, too big or aliased; callers that
    need the reason validate it themselves.
    """
    try:
        mtime = _stamp(path)
    except OSError:
        return None
    cached = _INFO_CACHE.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    from .._yaml import load_untrusted  # lazily: listing usually needs no YAML parse at all

    try:
        data = load_untrusted(path.read_bytes(), str(path))
    except (OSError, ConfigError):
        data = None
    _INFO_CACHE[path] = (mtime, data)
    return data


# a top-level `key: value` line not followed by an indented or blank continuation line
_TOP_SCALAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):[ \t]+([^\n]+)(?=\n[^ \t\n]|\n?\Z)", re.M)


def info_scalars(path: Path) -> dict[str, str] | None:
    """Top-level plain or single-quoted scalars of an info file, without a YAML parse.

    Reading thousands of files with a full YAML parse is what made listing slow; this
    scan handles what `yaml.safe_dump` writes and leaves anything else (flow values,
    double quotes) out, so callers fall back to `cached_yaml` for a missing key.
    """
    try:
        mtime = _stamp(path)
        cached = _SCALARS_CACHE.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    out: dict[str, str] = {}
    for key, value in _TOP_SCALAR.findall(text):
        raw = value.strip(" \t")
        if not raw:
            continue
        if raw.startswith("'"):
            inner = raw[1:-1]
            if len(raw) >= 2 and raw.endswith("'") and "'" not in inner.replace("''", ""):
                out[key] = inner.replace("''", "'")
        elif raw[0] not in "\"{[|>&*!%@`#" and " #" not in raw:
            out[key] = raw
    _SCALARS_CACHE[path] = (mtime, out)
    return out


def info_field(path: Path, key: str) -> Any:
    """One top-level field of an info file: the fast scan first, then a full parse."""
    scalars = info_scalars(path)
    if scalars is None:
        return None
    if key in scalars:
        return scalars[key]
    data = cached_yaml(path)
    return data.get(key) if isinstance(data, dict) else None


def creation_time(path: Path, info_file: str) -> datetime:
    """`creation_time` of the info file in `path`, else the folder's modification time."""
    value = info_field(path / info_file, "creation_time")
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)




def folder_size(path: Path | str) -> int:
    """Bytes in the regular files under `path` (itself when a file); links are not followed."""
    with contextlib.suppress(FileNotFoundError):
        if not os.path.isdir(path):
            return os.stat(path).st_size
    total = 0
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                total += folder_size(entry.path)
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total
