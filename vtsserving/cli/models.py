"""`vtsserving models ...`: list, get, delete, export and import models in the local store.

`list` reads `vtsserving.models.summaries()`, which stays fast with thousands of models; the other
commands go through `vtsserving.models` too.
"""

from __future__ import annotations

import json
from typing import Any

import click

from ..exceptions import NotFound
from ..models import ModelSummary, model_store, summaries
from ..store import ArchiveLimits
from ._output import (
    archive_limit_options,
    delete_items,
    echo_data,
    human_size,
    output_option,
    status,
)

_INVALID = "(invalid model.yaml)"


def _row(summary: ModelSummary) -> dict[str, Any]:
    return {
        "tag": str(summary.tag),
        "module": summary.module or _INVALID,
        "size": summary.size,
        "creation_time": summary.creation_time,
        "path": summary.path,
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    """Aligned columns, bold header (rich.Table takes about 1 s for 1,000 rows: too slow)."""
    header = ("Tag", "Module", "Size", "Creation Time")
    cells = [
        (r["tag"], r["module"], human_size(r["size"]), r["creation_time"][:19].replace("T", " "))
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    click.echo(click.style(line(header), bold=True))
    click.echo("\n".join(line(c) for c in cells))


@click.group()
def models() -> None:
    """Manage models in the local store ($VTSSERVING_HOME/models)."""


@models.command("list")
@click.argument("name", required=False)
@output_option()
def list_models(name: str | None, output: str) -> None:
    """List models (every version of NAME when given), newest last."""
    rows = [_row(summary) for summary in summaries(name)]
    if name and not rows:
        raise NotFound(f"model {name!r} not found in {model_store().root}")
    if output == "table":
        if rows:
            _print_table(rows)
        else:
            click.echo(f"No models in {model_store().root}", err=True)
    else:
        echo_data(rows, output)


@models.command("get")
@click.argument("tag")
@output_option(("yaml", "json", "path"), default="yaml")
def get_model(tag: str, output: str) -> None:
    """Show a model's model.yaml, or only its folder with `-o path`."""
    from .. import models as model_api

    model = model_api.get(tag)
    if output == "path":
        click.echo(model.path)
    elif output == "json":
        click.echo(json.dumps(model.info.to_dict(), indent=2))
    else:
        click.echo(model.info.to_yaml().rstrip())


@models.command("delete")
@click.argument("tags", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Delete without asking.")
def delete_model(tags: tuple[str, ...], yes: bool) -> None:
    """Delete one or more model versions (`latest` moves to the newest left)."""
    delete_items(model_store(), tags, yes, "model")


@models.command("export")
@click.argument("tag")
@click.argument("path", required=False)
def export_model(tag: str, path: str | None) -> None:
    """Write model TAG as a .tar.gz to PATH (file, folder or URL such as s3://bucket/key)."""
    from .. import models as model_api

    resolved = model_api.get(tag).tag
    with status(f"Exporting model {resolved}"):
        written = model_api.export_model(resolved, path)
    click.echo(f"Exported model {resolved} to {written}")


@models.command("import")
@click.argument("path")
@click.option("--overwrite", is_flag=True, help="Replace the version if it exists already.")
@archive_limit_options
def import_model(path: str, overwrite: bool, limits: ArchiveLimits) -> None:
    """Import a model archive written by `vtsserving models export` (file or URL).

    Archives over the limits, or over the store's free disk space, are refused before anything
    is written.
    """
    from .. import models as model_api

    with status(f"Importing {path}"):
        model = model_api.import_model(path, overwrite=overwrite, limits=limits)
    click.echo(f"Imported model {model.tag}")

