"""Find the `uv` executable: on PATH, else the one the `uv` package installed beside Python."""

from __future__ import annotations

import shutil


def find_uv() -> str | None:
    """Path of a `uv` executable, or None when there is none."""
    return shutil.which("uv") or _uv_from_package()


def _uv_from_package() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return None
