"""Helpers shared by CLI commands: `-o table|json|yaml`, sizes, spinners, store deletes."""

from __future__ import annotations

import json
from typing import Any

import click

OUTPUT_CHOICES = ("table", "json", "yaml")


def output_option(choices: tuple[str, ...] = OUTPUT_CHOICES, default: str = "table") -> Any:
    return click.option(
        "-o", "--output", type=click.Choice(choices), default=default, show_default=True,
        help="Output format.",
    )


def echo_data(data: Any, fmt: str) -> None:
    """Print plain data as JSON or YAML."""
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        import yaml  # lazily: `models list` as a table needs no YAML (keeps it fast)

        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())


def human_size(num: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if num < 1024 or unit == "GiB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.2f} {unit}"
        num /= 1024
    return f"{num:.2f} TiB"


def status(message: str) -> Any:
    """A spinner on stderr while a long step runs (silent when stderr is not a terminal)."""
    from rich.console import Console

    return Console(stderr=True).status(message)


def delete_items(store: Any, tags: tuple[str, ...], yes: bool, kind: str) -> None:
    """Resolve every tag first (nothing goes if one is unknown), confirm, then delete."""
    items = list(dict.fromkeys(store.get(tag) for tag in tags))
    if not yes:
        click.confirm(f"Delete {kind} {', '.join(str(i.tag) for i in items)}?", abort=True, err=True)
    for item in items:
        store.delete(item.tag)
        click.echo(f"Deleted {kind} {item.tag}")
