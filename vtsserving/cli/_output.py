"""Printing helpers shared by CLI commands: `-o table|json|yaml` and byte sizes."""

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


def dir_size(path: Any) -> int:
    from pathlib import Path

    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file() and not f.is_symlink())
