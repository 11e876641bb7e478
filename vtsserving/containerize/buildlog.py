"""Stream a build tool's output: plain lines in CI, a one-line status on a terminal.

It also remembers each step's output, so a failure names the failing step and shows its
last lines (for example pip's or uv's message) whatever the backend's log format.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

# BuildKit plain: "#12 [vts-builder 3/3] RUN ...", "#12 1.234 output", "#12 ERROR: ..."
_BK_STEP = re.compile(r"^#(\d+) (\[.+?\] .*)$")
_BK_LINE = re.compile(r"^#(\d+) (?:\d+\.\d+ )?(.*)$")
_BK_ERROR = re.compile(r"^#(\d+) ERROR:? ?(.*)$")
# legacy docker: "Step 3/9 : RUN ..."; buildah/podman: "[2/3] STEP 4/4: RUN ..." or "STEP 4/9: ..."
_SEQ_STEP = re.compile(r"^(?:Step \d+/\d+ : |(?:\[\d+/\d+\] )?STEP \d+(?:/\d+)?: )(.*)$")
_NOISE = re.compile(r"^\s*(?:---> |--> |Removing intermediate|sha256:|$)")
# Lines that only repeat that the step failed, or echo its command (`set -x`).
_WRAPPER = re.compile(
    r"^\s*(?:executor failed running|process \"|error building at STEP|The command '|error: failed to solve"
    r"|------|> \[|\+ )"
)
# The line that says why, by tool: apt, disk, pip, uv's resolver, then any `error:`-style line.
_REASONS = (
    re.compile(r"^E: .+"),
    re.compile(r".*[Nn]o space left on device.*"),
    re.compile(r"^ERROR: .+"),
    re.compile(r"^\s*(?:╰─▶|cause:|Caused by:)\s*(.+)"),
    re.compile(r"^\s*(?:error|fatal):\s*(.+)", re.IGNORECASE),
)
_HINT = re.compile(r"^\s*hint:\s*(.+)")
_STEP_NOISE = re.compile(r"--mount=\S+\s+|\b[A-Z][A-Z0-9_]*=\S*\s+")


def progress_mode(progress: str) -> str:
    """`plain`, `tty` or `quiet` (no log; a failure still shows its step): auto means tty only on
    a terminal outside CI."""
    if progress != "auto":
        return progress
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    return "tty" if sys.stderr.isatty() and not in_ci else "plain"


class BuildLog:
    """Feed it lines; it prints them and keeps what a failure report needs."""

    def __init__(self, mode: str = "plain", echo: Callable[[str], None] | None = None) -> None:
        self.mode = mode
        self.echo = echo or (lambda line: print(line, file=sys.stderr, flush=True))
        self.steps: dict[str, str] = {}
        self.output: dict[str, deque[str]] = {}
        self.failed: str | None = None
        self.current: str | None = None
        self.tail: deque[str] = deque(maxlen=40)
        self._seq = 0
        self._status: Any = None

    def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        self.tail.append(line)
        self._parse(line)
        if self.mode == "plain":
            self.echo(line)
        elif self._status is not None and self.current:
            from rich.markup import escape

            step, last = escape(self.steps[self.current][:100]), escape(line[-80:])
            self._status.update(f"[bold]{step}[/] [dim]{last}[/]")

    def info(self, line: str) -> None:
        """A line of VtsServing's own (what is built, pushed, written): hidden in quiet mode."""
        if self.mode != "quiet":
            self.echo(line)

    def _parse(self, line: str) -> None:
        if m := _BK_ERROR.match(line):
            self.failed = m.group(1)
            self._add(m.group(1), m.group(2))
        elif m := _BK_STEP.match(line):
            self._start(m.group(1), m.group(2))
        elif m := _BK_LINE.match(line):
            self._add(m.group(1), m.group(2))
        elif m := _SEQ_STEP.match(line):
            self._seq += 1
            self._start(str(self._seq), m.group(1))
        elif self.current is not None and self.failed is None and not _NOISE.match(line):
            self._add(self.current, line)

    def _start(self, key: str, description: str) -> None:
        if key not in self.steps:
            self.steps[key] = description
            self.output[key] = deque(maxlen=15)
            if self.mode == "tty":
                self.echo(f"  {description[:120]}")
        self.current = key

    def _add(self, key: str, text: str) -> None:
        if key in self.output and text and text not in ("DONE", "CACHED") and not text.startswith("sha256:"):
            self.output[key].append(text)

    def failure(self) -> str:
        """The failing step and the last lines of its output."""
        key = self.failed or self.current
        if key is None or key not in self.steps:
            return "\n".join(line for line in list(self.tail)[-12:] if line.strip())
        lines = [line for line in self.output[key] if line.strip()]
        body = "\n".join(f"  {line}" for line in lines[-12:])
        return f"step {self.steps[key]}\n{body}".rstrip()

    def reason(self) -> str:
        """One line: the failing step (without mounts and env settings) and why it failed."""
        key = self.failed or self.current
        lines = list(self.output.get(key, ())) if key in self.steps else list(self.tail)
        lines = [line.strip() for line in lines if line.strip() and not _WRAPPER.match(line)]
        why = _pick_reason(lines) or "no error message (see the build log above)"
        step = " ".join(_STEP_NOISE.sub("", self.steps[key]).split()) if key in self.steps else "the build"
        return f"{step[:160]}: {why}"

    def status(self) -> Any:
        """A context manager showing a spinner on a terminal; nothing in plain mode."""
        if self.mode != "tty":
            return nullcontext()
        from rich.console import Console

        status = Console(stderr=True).status("starting the build")
        self._status = status
        return status


def _pick_reason(lines: list[str]) -> str:
    for pattern in _REASONS:
        found = [m for line in lines if (m := pattern.match(line))]
        if found:
            last = found[-1]
            why = last.group(1) if last.groups() else last.group(0)
            hints = [m.group(1) for line in lines if (m := _HINT.match(line))]
            return why + (f" (hint: {hints[-1]})" if hints else "")
    return lines[-1] if lines else ""


def stream(cmd: list[str], env: dict[str, str], log: BuildLog) -> int:
    """Run `cmd`, feeding every output line to `log`; returns the exit status."""
    with log.status():
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            env={**os.environ, **env}, bufsize=1,
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.feed(line)
            return proc.wait()
        except BaseException:
            proc.terminate()
            proc.wait(timeout=30)
            raise
