"""The step reporter of `vtsserving build` (vtsserving/cli/_progress.py): terminal, plain, quiet."""

from __future__ import annotations

import io
import re

import pytest

from vtsserving.cli._progress import Steps


def _run(**kwargs) -> str:
    buf = io.StringIO()
    with Steps(file=buf, **kwargs) as steps:
        steps("Loading service svc")
        steps.warn("a local-version pin")
        steps("Resolving Python requirements")
        steps.title = "Built vts x:1"
    assert [name for name, _ in steps.timings] == ["Loading service svc", "Resolving Python requirements"]
    assert all(seconds >= 0 for _, seconds in steps.timings)
    return buf.getvalue()


def test_terminal_shows_a_live_view_with_ticks_and_times() -> None:
    out = _run(terminal=True)
    assert "\x1b[" in out  # drawn with rich
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    assert re.search(r"✓ Loading service svc +\d+ ms", plain), plain
    assert re.search(r"✓ Resolving Python requirements +\d+ ms", plain), plain
    assert "Warning: a local-version pin" in plain
    assert plain.rstrip().splitlines()[-1].startswith("Built vts x:1 in ")


def test_plain_lines_when_not_a_terminal() -> None:
    lines = _run(terminal=False).splitlines()
    assert lines[0] == "Loading service svc ..."
    assert re.fullmatch(r"Loading service svc: \d+ ms", lines[1])
    assert lines[2] == "Resolving Python requirements ..."
    assert re.fullmatch(r"Built vts x:1 in \d+ ms", lines[-1])


def test_quiet_prints_nothing_but_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(quiet=True, terminal=False) == ""
    assert "Warning: a local-version pin" in capsys.readouterr().err


def test_a_failure_names_the_step_and_prints_no_total() -> None:
    buf = io.StringIO()
    with pytest.raises(RuntimeError), Steps("Built", file=buf, terminal=False) as steps:
        steps("Packing the vtsserving wheel")
        raise RuntimeError("boom")
    lines = buf.getvalue().splitlines()
    assert re.fullmatch(r"Packing the vtsserving wheel: failed after \d+ ms", lines[-1])
    assert not any(ln.startswith("Built") for ln in lines)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_is_detected_on_the_stream_and_dumb_terminals_get_plain_lines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    assert Steps(file=_Tty()).terminal is True
    assert Steps(file=io.StringIO()).terminal is False
    monkeypatch.setenv("TERM", "dumb")
    assert Steps(file=_Tty()).terminal is False
