"""Help that click lacks: described arguments and examples, in `--help` and in the CLI reference.

    @click.command(cls=Command, examples=["vtsserving get iris_svc:latest -o path"])
    @argument("tag", help="The vts: NAME[:VERSION].")

`--help` then shows the arguments before the options (click >= 8.5 does it itself) and an "Examples" section at the
end; docs/hooks/reference.py puts both in docs/reference/cli.md, and a test checks that every
argument has a description and every command an example that parses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click


def _native_argument_help() -> bool:
    """Newer click takes `help` on arguments and lists them under "Positional arguments" itself."""
    try:
        click.Argument(["probe"], help="probe")
    except TypeError:
        return False
    return True


NATIVE_ARGUMENT_HELP = _native_argument_help()


class Argument(click.Argument):
    """A click argument with a `help` text, also where click's own take none."""

    def __init__(self, param_decls: Sequence[str], required: bool | None = None, *, help: str = "",
                 **attrs: Any) -> None:
        if NATIVE_ARGUMENT_HELP:
            attrs["help"] = help
        super().__init__(param_decls, required=required, **attrs)
        self.help = help


def argument(*param_decls: str, help: str, **attrs: Any) -> Any:
    """`click.argument` with a description."""
    return click.argument(*param_decls, cls=Argument, help=help, **attrs)


class _HelpMixin:
    """`examples=[...]` (command lines; `# ...` lines are comments) and an Arguments section."""

    def __init__(self, *args: Any, examples: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.examples = list(examples)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if NATIVE_ARGUMENT_HELP:  # click writes the section
            super().format_options(ctx, formatter)  # type: ignore[misc]
            return
        rows = [(p.human_readable_name + ("..." if p.nargs == -1 else ""), p.help)
                for p in self.get_params(ctx) if isinstance(p, Argument) and p.help]  # type: ignore[attr-defined]
        if rows:
            with formatter.section("Arguments"):
                formatter.write_dl(rows)
        super().format_options(ctx, formatter)  # type: ignore[misc]

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)  # type: ignore[misc]
        if self.examples:
            with formatter.section("Examples"):
                for line in self.examples:
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")


class Command(_HelpMixin, click.Command):
    pass


class Group(_HelpMixin, click.Group):
    command_class = Command


def command_examples(command: click.Command) -> list[str]:
    return list(getattr(command, "examples", []))


__all__ = ["Argument", "Command", "Group", "argument", "command_examples"]
