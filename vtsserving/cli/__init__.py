"""The `vtsserving` command line: thin wrappers that parse, call the library and print."""

from __future__ import annotations

import logging

import click

from .._version import __version__
from ._group import COMMANDS, LazyGroup


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]},
             examples=["vtsserving build && vtsserving containerize iris_classifier:latest",
                       "vtsserving --verbose build   # a failure shows its full traceback"])
@click.version_option(__version__, "--version", prog_name="vtsserving")
@click.option("--verbose", "-v", is_flag=True, help="Show debug logs and full tracebacks.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """VtsServing: import or save a model, build a vts bundle, containerize and serve it."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    cli(prog_name="vtsserving")


__all__ = ["cli", "main"]
