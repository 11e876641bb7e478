"""Step-by-step progress with timings for long commands (`vtsserving build`).

The library reports a step by calling `progress("Resolving Python requirements")`: each call
starts a step and ends the one before it. `Steps` shows them on stderr:

* on a terminal, a rich live view: a spinner and a running clock on the current step, a tick
  and its time on each finished one;
* anywhere else (a pipe, a CI log), plain lines: the step when it starts (so a hang shows where)
  and its time when it ends;
* with `quiet`, nothing (warnings still show).

stdout is left alone: it carries only the command's result (the tag), for `$(...)`.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import IO, Any


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value >= 0.95 else f"{value * 1000:.0f} ms"


class Steps:
    """A context manager; call the instance with a step's name to start that step.

    `title` (settable inside the block, e.g. once the tag is known) ends the output with
    "TITLE in 6.2 s" when the block succeeds.
    """

    def __init__(self, title: str = "", *, quiet: bool = False, file: IO[str] | None = None,
                 terminal: bool | None = None) -> None:
        self.title = title
        self.quiet = quiet
        self.file = file if file is not None else sys.stderr
        self.terminal = _isatty(self.file) if terminal is None else terminal
        self.timings: list[tuple[str, float]] = []
        self._current: str | None = None
        self._started = 0.0
        self._t0 = 0.0
        self._progress: Any = None
        self._task: Any = None

    # --- the context ---------------------------------------------------------------------------

    def __enter__(self) -> Steps:
        self._t0 = time.perf_counter()
        if self.quiet or not self.terminal:
            return self
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        console = Console(file=self.file, force_terminal=True, highlight=False)
        self._progress = Progress(SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("{task.description}"),
                                  TextColumn("[dim]{task.fields[clock]}[/]"), console=console,
                                  refresh_per_second=8)
        self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._finish(failed=exc_type is not None)
        if self._progress is not None:
            self._progress.stop()
        total = time.perf_counter() - self._t0
        if exc_type is None and self.title and not self.quiet:
            self._line(f"{self.title} in {_seconds(total)}")

    def __call__(self, step: str) -> None:
        self._finish(failed=False)
        self._current, self._started = step, time.perf_counter()
        if self.quiet:
            return
        if self._progress is not None:
            self._task = self._progress.add_task(step, total=1, clock="")
            self._tick()
        else:
            self._line(f"{step} ...")

    def warn(self, message: str) -> None:
        """A warning line that does not tear the live view (shown even with `quiet`)."""
        if self._progress is not None:
            self._progress.console.print(f"[yellow]Warning: {message}[/]", markup=True, highlight=False)
        else:
            import click

            click.secho(f"Warning: {message}", err=True, fg="yellow")

    # --- internals ---------------------------------------------------------------------------

    def _finish(self, *, failed: bool) -> None:
        if self._current is None:
            return
        elapsed = time.perf_counter() - self._started
        self.timings.append((self._current, elapsed))
        if not self.quiet:
            if self._progress is not None:
                mark = "[red]✗ failed after[/] " if failed else ""
                self._progress.update(self._task, completed=1, clock=f"{mark}{_seconds(elapsed)}")
                self._progress.stop_task(self._task)
                if failed:
                    self._progress.update(self._task, description=f"[red]{self._current}[/]")
            else:
                self._line(f"{self._current}: {'failed after ' if failed else ''}{_seconds(elapsed)}")
        self._current = None

    def _tick(self) -> None:
        """The running clock of the current step (rich redraws it on its own timer)."""
        started = self._started

        class Clock:  # replaced by the final time when the step ends
            def __str__(self) -> str:
                return _seconds(time.perf_counter() - started)

        self._progress.update(self._task, clock=Clock())

    def _line(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
            return
        self.file.write(text + "\n")
        self.file.flush()


def _isatty(file: IO[str]) -> bool:
    """A terminal that can redraw lines (not TERM=dumb, as in some editors' shells)."""
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False
