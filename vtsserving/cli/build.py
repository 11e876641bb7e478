"""`vtsserving build`: vtsfile.yaml -> a new vts in the local store (and, with --containerize, its image)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import click

from ._help import Command, argument
from .containerize import IMAGE_OPTION_NAMES, echo_dry_run, echo_result, image_options


class _WarningsToConsole(logging.Handler):
    """Show the build's warnings (e.g. local-version pins) as one yellow line each."""

    def __init__(self, steps: Any) -> None:
        super().__init__(logging.WARNING)
        self.steps = steps

    def emit(self, record: logging.LogRecord) -> None:
        self.steps.warn(record.getMessage())


def _check_image_options(containerize: bool, opts: dict[str, Any]) -> None:
    """Image options without --containerize are a mistake, not something to ignore."""
    defaults = {"backend": "docker", "progress": "auto"}
    given = [k for k in IMAGE_OPTION_NAMES if opts[k] not in ((), None, False, defaults.get(k))]
    if given and not containerize:
        plural = {"image_tags": "-t", "build_args": "--build-arg", "labels": "--label", "secrets": "--secret"}
        flag = plural.get(given[0], "--" + given[0].replace("_", "-"))
        raise click.UsageError(f"{flag} builds an image: add --containerize")


@click.command(cls=Command, examples=[
    "vtsserving build",
    "vtsserving build ./iris -f ./iris/vtsfile.prod.yaml --version 1.0.0",
    "vtsserving build -q --containerize -t registry.example.com/ml/iris:1.0 --push",
])
@argument("build_ctx", default=".", type=click.Path(file_okay=False, path_type=Path),
          help="The build context: the folder with vtsfile.yaml and the service's code; `include` and "
               "`exclude` paths are relative to it [default: the current folder].")
@click.option("-f", "--vtsfile", "vtsfile", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="The vtsfile to read (default: BUILD_CTX/vtsfile.yaml).")
@click.option("--version", default=None, help="Version of the new vts (default: a new unique one).")
@click.option("--containerize", "containerize", is_flag=True,
              help="Then build its image in the same step (takes every `containerize` option).")
@image_options
@click.option("-q", "--quiet", is_flag=True,
              help="No progress lines: print only the vts tag (and, with --containerize, the image id); "
                   "warnings and errors still show.")
@click.option("-o", "--output", type=click.Choice(["tag", "json"]), default="tag", show_default=True,
              help="Print the tag only, or the vts info (and the image's) as JSON.")
def build(build_ctx: Path, vtsfile: Path | None, version: str | None, containerize: bool, quiet: bool,
          output: str, **opts: Any) -> None:
    """Build a vts from BUILD_CTX (default: the current folder) into the local store.

    Each step (loading the service, resolving and locking requirements, packing the wheel,
    copying the source and models, ...) and its time go to stderr: a live view on a terminal,
    plain lines in a pipe or a CI log, nothing with -q. stdout gets only the result.
    """
    _check_image_options(containerize, opts)
    vts = _build_vts(build_ctx, vtsfile, version, quiet)
    if not containerize:
        click.echo(json.dumps(vts.to_dict(), indent=2, default=str) if output == "json" else str(vts.tag))
        return
    _containerize(vts, opts, quiet, output)


def _build_vts(build_ctx: Path, vtsfile: Path | None, version: str | None, quiet: bool) -> Any:
    """Build with each step and its time on stderr (a live view on a terminal, plain lines
    otherwise, nothing with -q); stdout gets only the result."""
    from ..builder import VTSFILE, build_from_config, load_vtsfile
    from ._progress import Steps

    logger = logging.getLogger("vtsserving.build")
    steps = Steps(quiet=quiet)
    handler = _WarningsToConsole(steps)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        ctx = build_ctx.resolve()
        path = vtsfile or ctx / VTSFILE
        with steps:
            steps(f"Reading {path.name}")
            config = load_vtsfile(path, ctx)
            vts = build_from_config(config, ctx, version=version, source=str(path), progress=steps)
            steps.title = f"Built vts {vts.tag}"
        return vts
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def _containerize(vts: Any, opts: dict[str, Any], quiet: bool, output: str) -> None:
    from ..containerize import build, dry_run

    if opts.pop("dry_run"):
        opts.pop("progress")
        plan = dry_run(str(vts.tag), **opts)
        if output == "json":
            click.echo(json.dumps({"vts": vts.to_dict(), "dry_run": plan.to_dict()}, indent=2, default=str))
        else:
            click.echo(str(vts.tag))
            echo_dry_run(plan, "table")
        return
    result = build(str(vts.tag), **{**opts, "progress": "quiet" if quiet else opts["progress"]})
    if output == "json":
        click.echo(json.dumps({"vts": vts.to_dict(), "image": result.to_dict()}, indent=2, default=str))
    elif quiet:
        click.echo(f"{vts.tag}\n{result.image_id}")
    else:
        click.echo(str(vts.tag))
        echo_result(result)
