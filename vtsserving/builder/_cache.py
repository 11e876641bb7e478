"""The build cache (`$VTSSERVING_CACHE_DIR`, default `$VTSSERVING_HOME/.cache`): locks and wheels by hash."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..home import vtsserving_home

CACHE_ENV = "VTSSERVING_CACHE_DIR"


def cache_root() -> Path:
    value = os.environ.get(CACHE_ENV)
    return Path(os.path.expanduser(value)) if value else vtsserving_home() / ".cache"


def cache_dir(kind: str) -> Path:
    """`<cache root>/<kind>`, created on first use."""
    path = cache_root() / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def hash_of(data: Any) -> str:
    """A stable sha256 of JSON-able data."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file and rename, so readers never see half a file."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
