"""The vts store commands: `vtsserving list|get|delete|export|import`."""

from __future__ import annotations

import json
from typing import Any

import click

from ..exceptions import NotFound
from ..store import ArchiveLimits, folder_size
from ._help import Command, argument
from ._output import (
    archive_limit_options,
    delete_items,
    echo_data,
    echo_table,
    human_size,
    output_option,
    status,
)


def _row(vts: Any) -> dict[str, Any]:
    return {
        "tag": str(vts.tag),
        "service": vts.info.service,
        "size": folder_size(vts.path),
        "creation_time": vts.info.creation_time.isoformat(),
        "path": vts.path,
    }


@click.command("list", cls=Command, examples=["vtsserving list", "vtsserving list iris_classifier -o json"])
@argument("name", required=False, help="Show only the versions of this vts name [default: every vts].")
@output_option()
def list_vts(name: str | None, output: str) -> None:
    """List vts bundles (every version of NAME when given), newest last."""
    from ..vts import list_vts as list_all
    from ..vts import vts_store

    rows = [_row(v) for v in list_all(name)]
    if name and not rows:
        raise NotFound(f"vts {name!r} not found in {vts_store().root}")
    if output != "table":
        echo_data(rows, output)
        return
    if not rows:
        click.echo(f"No vts in {vts_store().root}", err=True)
        return
    echo_table(("Tag", "Service", "Size", "Creation Time"),
               [(r["tag"], r["service"], human_size(r["size"]), r["creation_time"][:19].replace("T", " "))
                for r in rows])


@click.command("get", cls=Command, examples=["vtsserving get iris_classifier:latest",
                                             "vtsserving get iris_classifier:latest -o path"])
@argument("tag", help="The vts: NAME[:VERSION] (VERSION defaults to latest; a unique prefix of it works).")
@output_option(("yaml", "json", "path"), default="yaml")
def get_vts(tag: str, output: str) -> None:
    """Show a vts's vts.yaml, or only its folder with `-o path`."""
    from ..vts import get

    vts = get(tag)
    if output == "path":
        click.echo(vts.path)
    elif output == "json":
        click.echo(json.dumps(vts.info.model_dump(mode="json"), indent=2))
    else:
        click.echo(vts.info.to_yaml().rstrip())


@click.command("delete", cls=Command, examples=["vtsserving delete iris_classifier:v1 iris_classifier:v2 -y"])
@argument("tags", nargs=-1, required=True, help="One or more vts, NAME:VERSION each; all must exist.")
@click.option("-y", "--yes", is_flag=True, help="Delete without asking.")
def delete_vts(tags: tuple[str, ...], yes: bool) -> None:
    """Delete one or more vts versions (`latest` moves to the newest left)."""
    from ..vts import vts_store

    delete_items(vts_store(), tags, yes, "vts")


@click.command("export", cls=Command, examples=["vtsserving export iris_classifier:latest ./archives/",
                                                "vtsserving export iris_classifier:latest s3://bucket/vts/iris.tar.gz"])
@argument("tag", help="The vts: NAME[:VERSION] (VERSION defaults to latest).")
@argument("path", required=False,
          help="Where to write: a .tar.gz file, a folder (ending in /) to hold NAME-VERSION.tar.gz, or a URL "
               "such as s3://bucket/key [default: NAME-VERSION.tar.gz in the current folder].")
def export_vts(tag: str, path: str | None) -> None:
    """Write vts TAG as a .tar.gz to PATH (file, folder or URL such as s3://bucket/key)."""
    from ..vts import export_vts as export
    from ..vts import get

    resolved = get(tag).tag
    with status(f"Exporting vts {resolved}"):
        written = export(resolved, path)
    click.echo(f"Exported vts {resolved} to {written}")


@click.command("import", cls=Command, examples=["vtsserving import ./archives/iris_classifier-v1.tar.gz",
                                                "vtsserving import s3://bucket/vts/iris.tar.gz --overwrite"])
@argument("path", help="The archive written by `vtsserving export`: a local .tar.gz or a URL such as "
                       "s3://bucket/key.")
@click.option("--overwrite", is_flag=True, help="Replace the version if it exists already.")
@archive_limit_options
def import_vts(path: str, overwrite: bool, limits: ArchiveLimits) -> None:
    """Import a vts archive written by `vtsserving export` (file or URL).

    Archives over the limits, or over the store's free disk space, are refused before anything
    is written.
    """
    from ..vts import import_vts as do_import

    with status(f"Importing {path}"):
        vts = do_import(path, overwrite=overwrite, limits=limits)
    click.echo(f"Imported vts {vts.tag}")
