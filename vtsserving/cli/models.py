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
from ._help import Group, argument
from ._output import (
    archive_limit_options,
    delete_items,
    echo_data,
    echo_table,
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
    echo_table(("Tag", "Module", "Size", "Creation Time"),
               [(r["tag"], r["module"], human_size(r["size"]), r["creation_time"][:19].replace("T", " "))
                for r in rows])


@click.group(cls=Group, examples=["vtsserving models list", "vtsserving models get iris_clf:latest -o path"])
def models() -> None:
    """Manage models in the local store ($VTSSERVING_HOME/models)."""


@models.command("list", examples=["vtsserving models list", "vtsserving models list iris_clf -o json"])
@argument("name", required=False, help="Show only the versions of this model name [default: every model].")
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


@models.command("get", examples=["vtsserving models get iris_clf:latest",
                                  "vtsserving models get iris_clf:latest -o path"])
@argument("tag", help="The model: NAME[:VERSION] (VERSION defaults to latest; a unique prefix of it works).")
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


@models.command("delete", examples=["vtsserving models delete iris_clf:v1 iris_clf:v2 -y"])
@argument("tags", nargs=-1, required=True, help="One or more models, NAME:VERSION each; all must exist.")
@click.option("-y", "--yes", is_flag=True, help="Delete without asking.")
def delete_model(tags: tuple[str, ...], yes: bool) -> None:
    """Delete one or more model versions (`latest` moves to the newest left)."""
    delete_items(model_store(), tags, yes, "model")


@models.command("export", examples=["vtsserving models export iris_clf:latest ./archives/",
                                     "vtsserving models export iris_clf:latest s3://bucket/models/iris_clf.tar.gz"])
@argument("tag", help="The model: NAME[:VERSION] (VERSION defaults to latest).")
@argument("path", required=False,
          help="Where to write: a .tar.gz file, a folder (ending in /) to hold NAME-VERSION.tar.gz, or a URL "
               "such as s3://bucket/key [default: NAME-VERSION.tar.gz in the current folder].")
def export_model(tag: str, path: str | None) -> None:
    """Write model TAG as a .tar.gz to PATH (file, folder or URL such as s3://bucket/key)."""
    from .. import models as model_api

    resolved = model_api.get(tag).tag
    with status(f"Exporting model {resolved}"):
        written = model_api.export_model(resolved, path)
    click.echo(f"Exported model {resolved} to {written}")


@models.command("import", examples=["vtsserving models import ./archives/iris_clf-v1.tar.gz",
                                     "vtsserving models import s3://bucket/models/big.tar.gz --max-size 200G"])
@argument("path", help="The archive written by `vtsserving models export`: a local .tar.gz or a URL such as "
                       "s3://bucket/key.")
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

