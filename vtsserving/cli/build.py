"""`vtsserving build`: vtsfile.yaml -> a new vts in the local store."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click


class _WarningsToConsole(logging.Handler):
    """Show the build's warnings (e.g. local-version pins) as one yellow line each."""

    def emit(self, record: logging.LogRecord) -> None:
        click.secho(f"Warning: {record.getMessage()}", err=True, fg="yellow")


@click.command()
@click.argument("build_ctx", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-f", "--vtsfile", "vtsfile", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="The vtsfile to read (default: BUILD_CTX/vtsfile.yaml).")
@click.option("--version", default=None, help="Version of the new vts (default: a new unique one).")
@click.option("-o", "--output", type=click.Choice(["tag", "json"]), default="tag", show_default=True,
              help="Print the tag only, or the vts info as JSON.")
def build(build_ctx: Path, vtsfile: Path | None, version: str | None, output: str) -> None:
    """Build a vts from BUILD_CTX (default: the current folder) into the local store."""
    from rich.console import Console

    from ..builder import VTSFILE, build_from_config, load_vtsfile

    logger = logging.getLogger("vtsserving.build")
    handler = _WarningsToConsole(logging.WARNING)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        ctx = build_ctx.resolve()
        path = vtsfile or ctx / VTSFILE
        config = load_vtsfile(path, ctx)
        with Console(stderr=True).status("Building") as status:
            vts = build_from_config(config, ctx, version=version, source=str(path),
                                    progress=lambda step: status.update(step))
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    if output == "json":
        click.echo(json.dumps(vts.to_dict(), indent=2, default=str))
    else:
        click.echo(str(vts.tag))
