"""Copy the build context's source files into `src/` by include/exclude and `.vtsignore`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pathspec

IGNORE_FILE = ".vtsignore"
# Never copied, whatever the patterns say: VCS folders, virtual environments, caches.
ALWAYS_EXCLUDED = [
    ".git/", ".hg/", ".svn/", "__pycache__/", "*.py[cod]", ".venv/", "venv/", ".tox/", ".nox/",
    ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", ".ipynb_checkpoints/", "node_modules/",
    ".DS_Store",
]


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()


def _spec(patterns: list[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _ignore_patterns(ctx: Path) -> list[str]:
    file = ctx / IGNORE_FILE
    return file.read_text().splitlines() if file.is_file() else []


def iter_source_files(ctx: Path, include: list[str], exclude: list[str],
                      skip: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Relative paths of the files to copy; symlinks that leave the context are skipped.

    `skip` names folders never entered (the VtsServing home when it lies inside the context).
    """
    ctx = ctx.resolve()
    skip = tuple(p.resolve() for p in skip)
    inc = _spec(include)
    exc = _spec(ALWAYS_EXCLUDED + exclude + _ignore_patterns(ctx))
    for root, dirs, files in os.walk(ctx):
        here = Path(root)
        rel_dir = here.relative_to(ctx)
        dirs[:] = sorted(
            d for d in dirs
            if not exc.match_file(f"{(rel_dir / d).as_posix()}/") and not _is_venv(here / d)
            and _inside(here / d, ctx) and (here / d).resolve() not in skip
        )
        for name in sorted(files):
            rel = (rel_dir / name).as_posix()
            if exc.match_file(rel) or not inc.match_file(rel) or not _inside(here / name, ctx):
                continue
            yield Path(rel)


def _inside(path: Path, ctx: Path) -> bool:
    try:
        path.resolve().relative_to(ctx)
    except ValueError:
        return False
    return True


def copy_source(ctx: Path, dest: Path, include: list[str], exclude: list[str],
                skip: tuple[Path, ...] = ()) -> list[str]:
    """Copy the selected files into `dest`; returns their relative paths."""
    copied = []
    for rel in iter_source_files(ctx, include, exclude, skip):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ctx / rel, target, follow_symlinks=True)
        copied.append(rel.as_posix())
    return copied
