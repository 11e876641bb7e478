"""Source selection: include/exclude patterns, .vtsignore, never VCS, venvs, caches or escapes."""

from __future__ import annotations

import os
from pathlib import Path

from vtsserving.builder.source import copy_source, iter_source_files


def _tree(root: Path, files: list[str]) -> None:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)


def _selected(ctx: Path, include: list[str], exclude: list[str], skip: tuple = ()) -> list[str]:
    return sorted(p.as_posix() for p in iter_source_files(ctx, include, exclude, skip))


def test_include_exclude_and_vtsignore(tmp_path: Path) -> None:
    _tree(tmp_path, ["service.py", "lib/a.py", "lib/data.bin", "notes.md", "tests/test_x.py",
                     ".vtsignore", "keep/secret.key"])
    (tmp_path / ".vtsignore").write_text("*.key\n")
    assert _selected(tmp_path, ["*.py"], ["tests/"]) == ["lib/a.py", "service.py"]
    assert _selected(tmp_path, ["*"], ["*.bin", "!keep/"]) == [
        ".vtsignore", "lib/a.py", "notes.md", "service.py", "tests/test_x.py"]


def test_never_vcs_venvs_caches(tmp_path: Path) -> None:
    _tree(tmp_path, ["s.py", ".git/HEAD", "__pycache__/s.cpython-311.pyc", "pkg/__pycache__/x.pyc",
                     ".venv/bin/python", "env2/pyvenv.cfg", "env2/lib/x.py", "conda/conda-meta/h.json",
                     ".mypy_cache/x", "node_modules/a.js", "x.pyc"])
    assert _selected(tmp_path, ["*"], []) == ["s.py"]


def test_symlinks_out_of_context_and_skipped_folders(tmp_path: Path) -> None:
    ctx, outside = tmp_path / "ctx", tmp_path / "outside"
    _tree(ctx, ["s.py", "home/vts/x/vts.yaml"])
    _tree(outside, ["secret.txt"])
    os.symlink(outside / "secret.txt", ctx / "link.txt")
    os.symlink(outside, ctx / "linkdir")
    os.symlink(ctx / "s.py", ctx / "inner_link.py")
    assert _selected(ctx, ["*"], [], skip=(ctx / "home",)) == ["inner_link.py", "s.py"]
    dest = tmp_path / "dest"
    copy_source(ctx, dest, ["*"], [], skip=(ctx / "home",))
    assert not (dest / "inner_link.py").is_symlink() and (dest / "inner_link.py").read_text() == "s.py"


CREDENTIAL_FILES = [
    ".env", ".env.production", ".aws/credentials", ".ssh/id_ed25519", "id_rsa", "id_rsa.pub", ".netrc",
    ".npmrc", ".pypirc", ".docker/config.json", "credentials.json", "conf/server.key", "tls/cert.pem",
    ".git-credentials", "deploy/prod.kubeconfig",
]


def test_credential_files_are_withheld_unless_named(tmp_path: Path) -> None:
    from vtsserving.builder.source import select_source

    _tree(tmp_path, ["service.py", "conf/settings.yaml", ".env.example", *CREDENTIAL_FILES])
    selection = select_source(tmp_path, ["*"], [])
    assert sorted(p.as_posix() for p in selection.files) == ["conf/settings.yaml", "service.py"]
    assert sorted(selection.withheld) == sorted([*CREDENTIAL_FILES, ".env.example"])
    # a path named exactly (no wildcard) is copied on purpose; wildcards never release one
    named = select_source(tmp_path, ["*.py", ".env.example", "tls/cert.pem", "*.json"], [])
    assert sorted(p.as_posix() for p in named.files) == [".env.example", "service.py", "tls/cert.pem"]
    assert ".docker/config.json" in named.withheld and "credentials.json" in named.withheld
    # files the patterns would not have copied anyway are not reported
    assert select_source(tmp_path, ["*.py"], []).withheld == []


def test_copy_source_never_writes_a_withheld_file(tmp_path: Path) -> None:
    ctx, dest = tmp_path / "ctx", tmp_path / "dest"
    _tree(ctx, ["service.py", *CREDENTIAL_FILES])
    selection = copy_source(ctx, dest, ["*"], [])
    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert copied == ["service.py"] and len(selection.withheld) == len(CREDENTIAL_FILES)
