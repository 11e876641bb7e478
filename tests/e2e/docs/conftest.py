"""One fresh install as the quickstart says, shared by the tests of tests/e2e/docs/.

The quickstart's install block runs in a fresh folder, in a reader's terminal (`_reader.py`),
word for word but for one thing: `git clone https://github.com/vtsserving/VtsServing` clones this
checkout as it is (a temporary repository made of its tracked and untracked, not ignored files),
since the tests must check the code they run with. `python3 -m venv` gives the pip this machine's
Python brings (23.2.1 here), and pip uses the machine's settings and its own download cache
(`~/.cache/pip`, or PIP_CACHE_DIR), as a reader's pip would: the first run downloads the
packages, later runs take them from the cache.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from _reader import ROOT, Terminal, page_blocks, reader_env

GITHUB_URL = "https://github.com/vtsserving/VtsServing"
QUICKSTART = ROOT / "docs" / "quickstart.md"


@dataclass
class Install:
    terminal: Terminal  # the reader's terminal after the install block: in the clone, venv active
    block_index: int  # the install block's place on the quickstart page
    seconds: float
    output: str
    checkout: Path
    venv: Path
    pip_version: str


def _snapshot_checkout(dest: Path) -> Path:
    """A git repository holding this checkout's files as they are (committed or not)."""
    repo = dest / "VtsServing"
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if not src.is_file():  # deleted in the working tree
            continue
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, repo / rel, follow_symlinks=False)
    git = ["git", "-c", "user.name=docs-test", "-c", "user.email=docs-test@localhost", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    return repo


def install_block_index() -> int:
    blocks = page_blocks(QUICKSTART)
    for block in blocks:
        if block.lang == "bash" and "pip install" in block.code:
            return block.index
    raise AssertionError("docs/quickstart.md has no install block")


@pytest.fixture(scope="session")
def quickstart_install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    base = tmp_path_factory.mktemp("reader")
    remote = _snapshot_checkout(tmp_path_factory.mktemp("remote"))
    home = base / "vtsserving-home"
    reader = base / "reader"
    reader.mkdir()
    terminal = Terminal(cwd=reader, env=reader_env(home), logs=base / "quickstart-logs")

    index = install_block_index()
    block = page_blocks(QUICKSTART)[index - 1]
    assert GITHUB_URL in block.code, f"the install block no longer clones {GITHUB_URL}"
    block.code = block.code.replace(GITHUB_URL, f"file://{remote}")
    started = time.monotonic()
    output = terminal.run_shell(block, timeout=1200)
    seconds = time.monotonic() - started
    checkout = terminal.current_cwd()
    venv = checkout / ".venv"
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    yield Install(terminal, index, seconds, output, checkout, venv, pip)
    terminal.close()
