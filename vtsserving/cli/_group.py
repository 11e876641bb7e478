"""The root click group: lazy subcommands and one-line errors."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from .._commands import COMMANDS
from ..exceptions import VtsServingError
from ._help import Group

__all__ = ["COMMANDS", "LazyGroup"]

class LazyGroup(Group):
    """A group whose subcommands live in modules imported on first use."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [n for n in self.lazy_commands if self._importable(n)]
        return sorted(set(super().list_commands(ctx)) | set(available))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and self._importable(cmd_name):
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)

    def _importable(self, cmd_name: str) -> bool:
        module_name = self.lazy_commands[cmd_name].split(":")[0]
        return importlib.util.find_spec(module_name) is not None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VtsServingError as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            click.secho(f"Error: {exc.message}", err=True, fg="red")
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # one line, not a traceback, unless --verbose
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            click.secho(
                f"Error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)",
                err=True,
                fg="red",
            )
            sys.exit(1)
