"""Copy the build context's source files into `src/` by include/exclude and `.vtsignore`.

Files that commonly hold credentials (`.env*`, keys, `.netrc`, cloud and docker configs, ...)
are withheld unless an `include` pattern names the path exactly (no wildcard), and the build
says which it withheld: a secret in the build folder must never reach a vts or an image.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

IGNORE_FILE = ".vtsignore"
# Never copied, whatever the patterns say: VCS folders, virtual environments, caches.
ALWAYS_EXCLUDED = [
    ".git/", ".hg/", ".svn/", "__pycache__/", "*.py[cod]", ".venv/", "venv/", ".tox/", ".nox/",
    ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", ".ipynb_checkpoints/", "node_modules/",
    ".DS_Store",
]
# Withheld unless an `include` pattern names the path exactly: places credentials live.
CREDENTIAL_PATTERNS = [
    ".env*", ".ssh/", ".aws/", ".docker/", ".kube/", ".gnupg/", "*.pem", "*.key", "*.p12", "*.pfx",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".npmrc", ".pypirc",
    ".git-credentials", "credentials*.json", "*.kubeconfig",
]
_GLOB_CHARS = set("*?[")


@dataclass
class SourceSelection:
    """The files to copy (relative paths) and the credential-like ones left out."""

    files: list[Path] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()


def _spec(patterns: list[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _ignore_patterns(ctx: Path) -> list[str]:
    file = ctx / IGNORE_FILE
    return file.read_text().splitlines() if file.is_file() else []


def _named_exactly(rel: str, include: list[str]) -> bool:
    """An include pattern without wildcards names this file or a folder above it."""
    for pattern in include:
        name = pattern.strip().lstrip("/").rstrip("/")
        exact = name and not pattern.startswith("!") and not _GLOB_CHARS & set(name)
        if exact and (rel == name or rel.startswith(name + "/")):
            return True
    return False


def select_source(ctx: Path, include: list[str], exclude: list[str],
                  skip: tuple[Path, ...] = ()) -> SourceSelection:
    """What to copy; symlinks that leave the context are skipped.

    `skip` names folders never entered (the VtsServing home when it lies inside the context).
    """
    ctx = ctx.resolve()
    skip = tuple(p.resolve() for p in skip)
    inc, credentials = _spec(include), _spec(CREDENTIAL_PATTERNS)
    exc = _spec(ALWAYS_EXCLUDED + exclude + _ignore_patterns(ctx))
    selection = SourceSelection()
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
            if credentials.match_file(rel) and not _named_exactly(rel, include):
                selection.withheld.append(rel)
                continue
            selection.files.append(Path(rel))
    return selection


def iter_source_files(ctx: Path, include: list[str], exclude: list[str],
                      skip: tuple[Path, ...] = ()) -> list[Path]:
    """Relative paths of the files `select_source` picks."""
    return select_source(ctx, include, exclude, skip).files


def _inside(path: Path, ctx: Path) -> bool:
    try:
        path.resolve().relative_to(ctx)
    except ValueError:
        return False
    return True


def copy_source(ctx: Path, dest: Path, include: list[str], exclude: list[str],
                skip: tuple[Path, ...] = ()) -> SourceSelection:
    """Copy the selected files into `dest`; returns what was copied and what was withheld."""
    selection = select_source(ctx, include, exclude, skip)
    for rel in selection.files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ctx / rel, target, follow_symlinks=True)
    return selection
