"""The reader's terminal of `_reader.py` keeps what a terminal keeps, runs Python blocks in one
session, treats titled blocks as files, checks promised output, and names the block that fails."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _reader import (
    BlockFailed,
    Terminal,
    docker_run_images,
    page_blocks,
    reader_env,
    run_page,
    server_port,
)

PAGE = '''# A page

## Shell

```bash
mkdir sub && cd sub
export GREETING=hello
```

```bash
test "$GREETING" = hello && test "$(basename "$PWD")" = sub
echo "[0]"
# -> [0]
```

## Files and Python

```python title="util.py"
VALUE = 41
```

```python
import util
answer = util.VALUE + 1
```

```python
assert answer == 42
```

```bash
echo "{\\"predictions\\":[1]}"
# -> {"predictions": [2]}
```
'''


def _terminal(tmp_path: Path) -> Terminal:
    work = tmp_path / "work"
    work.mkdir()
    env = reader_env(tmp_path / "home")
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # a `python` on PATH
    return Terminal(cwd=work, env=env, logs=tmp_path / "logs")


def test_blocks_run_in_order_and_the_first_failure_is_named(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    blocks = page_blocks(page)
    assert [b.lang for b in blocks] == ["bash", "bash", "python", "python", "python", "bash"]
    assert blocks[2].title == "util.py"
    terminal = _terminal(tmp_path)
    try:
        with pytest.raises(BlockFailed) as failed:
            run_page(blocks, terminal, docker=None)
    finally:
        terminal.close()
    message = str(failed.value)
    # Everything before ran: the folder and variable carried over, the file was saved where the
    # terminal was, the Python session kept `answer`; the last block's promise was not kept.
    assert 'bash block 6 under "Files and Python"' in message
    assert '{"predictions": [2]}' in message
    assert (tmp_path / "work" / "sub" / "util.py").read_text().strip() == "VALUE = 41"


def test_a_failing_python_block_stops_the_page(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("## P\n\n```python\nraise ValueError('boom')\n```\n\n```bash\ntouch ran\n```\n")
    terminal = _terminal(tmp_path)
    try:
        with pytest.raises(BlockFailed, match="(?s)python block 1 under \"P\".*ValueError: boom"):
            run_page(page_blocks(page), terminal, docker=None)
    finally:
        terminal.close()
    assert not (tmp_path / "work" / "ran").exists()


@pytest.mark.parametrize(
    ("code", "port"),
    [
        ("vtsserving serve service:svc --port 3000\n", 3000),
        ("vtsserving serve service:svc\n", 3000),
        ("docker run --rm -p 8080:3000 img:dev\n", 8080),
        ("vtsserving serve mlflow-model:m:latest --port 5000 &\n", None),
        ("docker run -d --name x -p 8080:8080 img serve\n", None),
        ("curl -s http://127.0.0.1:3000/ -d '{\n  \"a\": 1}'\n", None),
    ],
)
def test_foreground_servers_are_recognised(tmp_path: Path, code: str, port: int | None) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"```bash\n{code}```\n")
    (block,) = page_blocks(page)
    assert server_port(block) == port


def test_images_a_page_runs_are_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```bash\ndocker run --rm -p 3000:3000 a:dev\n```\n\n"
        "```bash\ndocker run -d --name iris -p 8080:8080 b:1.0.0 serve\ndocker rm -f iris\n```\n"
    )
    assert docker_run_images(page_blocks(page)) == {"a:dev", "b:1.0.0"}


def test_docker_blocks_skip_only_outside_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "page.md"
    page.write_text("```bash\ndocker run --rm img:dev\n```\n\n```bash\ntouch after\n```\n")
    blocks = page_blocks(page)
    monkeypatch.delenv("CI", raising=False)
    terminal = _terminal(tmp_path)
    try:
        assert run_page(blocks, terminal, docker="no engine") == blocks[:1]
    finally:
        terminal.close()
    assert (tmp_path / "work" / "after").exists()
    monkeypatch.setenv("CI", "true")
    (tmp_path / "ci").mkdir()
    with pytest.raises(BlockFailed, match="in CI it must run: no engine"):
        run_page(blocks, _terminal(tmp_path / "ci"), docker="no engine")
