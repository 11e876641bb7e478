"""`vtsserving models ...`: list, get, delete, export and import models in the local store.

`list` scans the top-level fields of each `model.yaml` (a full YAML parse only when the
scan cannot tell; no pydantic) so it stays fast with thousands of models; the other
commands go through `vtsserving.models`.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any

import click

from ..exceptions import NotFound
from ..home import models_dir
from ..store._store import Store, StoreItem, info_scalars, read_info
from ._output import delete_items, echo_data, human_size, output_option, status

_MODEL_YAML = "model.yaml"  # same as vtsserving.models.MODEL_YAML, without importing pydantic
_INVALID = "(invalid model.yaml)"


def _store() -> Store:
    return Store(models_dir(), "model", _MODEL_YAML)


def _size(path: str) -> int:
    """Bytes of the regular files under `path` (os.scandir: fast on thousands of models)."""
    total = 0
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                total += _size(entry.path)
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


def _row(item: StoreItem) -> dict[str, Any]:
    info = item.path / _MODEL_YAML
    fields = info_scalars(info) or {}
    if "module" not in fields or "creation_time" not in fields:
        data = read_info(info)
        fields = data if isinstance(data, dict) else {}
    module, created = fields.get("module"), fields.get("creation_time")
    valid = isinstance(module, str)
    if isinstance(created, datetime):
        created = created.isoformat()
    return {
        "tag": str(item.tag),
        "module": module if valid else _INVALID,
        "size": _size(str(item.path)),
        "creation_time": str(created or "") if valid else "",
        "path": str(item.path),
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
    store = _store()
    rows = [_row(item) for item in store.list(name)]
    if name and not rows:
        raise NotFound(f"model {name!r} not found in {store.root}")
    if output == "table":
        if rows:
            _print_table(rows)
        else:
            click.echo(f"No models in {store.root}", err=True)
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
    delete_items(_store(), tags, yes, "model")


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
def import_model(path: str, overwrite: bool) -> None:
    """Import a model archive written by `vtsserving models export` (file or URL)."""
    from .. import models as model_api

    with status(f"Importing {path}"):
        model = model_api.import_model(path, overwrite=overwrite)
    click.echo(f"Imported model {model.tag}")

