"""A wheel of the running vtsserving, cached by content hash (vtsserving is not on PyPI).

From a development checkout (editable install with pyproject.toml) the wheel is built with
`uv build` (or `pip wheel`); otherwise it is re-packed from the installed files.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..exceptions import BuildError
from ._cache import cache_dir
from ._uv import find_uv

_DIST = "vtsserving"
_SKIP_DIRS = {"__pycache__", ".git", ".venv", "node_modules", ".pytest_cache", ".ruff_cache"}


def source_checkout() -> Path | None:
    """The checkout folder when vtsserving is installed editable from one, else None."""
    try:
        text = importlib.metadata.distribution(_DIST).read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        text = None
    if text:
        info = json.loads(text)
        if info.get("dir_info", {}).get("editable") and info.get("url", "").startswith("file://"):
            root = Path(unquote(urlparse(info["url"]).path))
            if (root / "pyproject.toml").is_file():
                return root
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / _DIST).is_dir() and text is None else None


def _checkout_files(root: Path) -> list[Path]:
    files = [root / "pyproject.toml"] + [p for p in (root / "README.md",) if p.is_file()]
    for sub in (_DIST, "templates"):
        base = root / sub
        if base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file() and not _SKIP_DIRS & set(p.parts)
                      and p.suffix not in (".pyc", ".pyo")]
    return sorted(files)


def _content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in _checkout_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def vtsserving_wheel() -> Path:
    """Path of a cached wheel of the vtsserving that is running now (built on first use)."""
    root = source_checkout()
    dist = None if root else importlib.metadata.distribution(_DIST)
    key = _content_hash(root) if root else f"dist-{dist.version}-{_installed_hash(dist)}"
    folder = cache_dir("wheels") / key
    found = sorted(folder.glob("vtsserving-*.whl")) if folder.is_dir() else []
    if found:
        return found[0]
    with tempfile.TemporaryDirectory(prefix=".build-", dir=folder.parent) as tmp:
        wheel = _build_from_checkout(root, Path(tmp)) if root else _repack_installed(dist, Path(tmp))
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / wheel.name
        shutil.move(str(wheel), final)
    return final


def _build_from_checkout(root: Path, out: Path) -> Path:
    uv = find_uv()
    if uv:
        cmd = [uv, "build", "--wheel", "--quiet", "--out-dir", str(out), str(root)]
    else:
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(root)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    wheels = list(out.glob("vtsserving-*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise BuildError(f"could not build a wheel of vtsserving from {root}: {tail}")
    return wheels[0]


def _installed_hash(dist: importlib.metadata.Distribution) -> str:
    record = dist.read_text("RECORD") or ""
    return hashlib.sha256(record.encode()).hexdigest()[:16]


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _repack_installed(dist: importlib.metadata.Distribution, out: Path) -> Path:
    """Zip the installed files (package + dist-info) back into a wheel."""
    name = dist.metadata["Name"].replace("-", "_")
    info_dir = f"{name}-{dist.version}.dist-info"
    rows, wheel = [], out / f"{name}-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in dist.files or []:
            name = str(file)
            if name.startswith(("..", "/")) or "__pycache__" in name or name.endswith("RECORD"):
                continue
            if name.startswith(info_dir) and name.split("/")[-1] in ("INSTALLER", "direct_url.json", "REQUESTED"):
                continue
            path = Path(dist.locate_file(file))
            if not path.is_file():
                continue
            data = path.read_bytes()
            zf.writestr(name, data)
            rows.append((name, _record_hash(data), str(len(data))))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows + [(f"{info_dir}/RECORD", "", "")])
        zf.writestr(f"{info_dir}/RECORD", buf.getvalue())
    return wheel
