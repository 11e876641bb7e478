"""Helpers shared by CLI commands: `-o table|json|yaml`, tables, sizes, spinners, store deletes."""

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


def echo_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Aligned columns with a bold header, never truncated or wrapped: every cell is printed
    whole whatever the terminal's width, and piped output (`| cat`, `| grep`) gets plain text.
    (rich.Table cuts cells to 80 columns off a terminal and takes about 1 s for 1,000 rows.)"""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(str(v).ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    click.echo(click.style(line(header), bold=True))  # click drops the style when not a terminal
    if rows:
        click.echo("\n".join(line(row) for row in rows))


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


_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


class Size(click.ParamType):
    """A byte count: `1048576`, `512M`, `20G` or `1T` (binary units; a trailing `B`/`iB` is fine)."""

    name = "SIZE"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("IB").removesuffix("B")
        number, unit = (text[:-1], text[-1]) if text[-1:] in _UNITS and text[-1:] else (text, "")
        try:
            size = float(number) * _UNITS[unit]
        except ValueError:
            self.fail(f"{value!r} is not a size like 512M or 20G", param, ctx)
        if size <= 0:
            self.fail(f"{value!r} must be more than 0", param, ctx)
        return int(size)


def archive_limit_options(func: Any) -> Any:
    """`--max-size`, `--max-files`, `--max-member-size`, `--max-ratio` for the import commands,
    handed to the command as one `limits: ArchiveLimits` argument."""
    import functools

    from ..store.archive import ArchiveLimits

    target = func

    @functools.wraps(target)
    def command(*args: Any, max_size: int, max_files: int, max_member_size: int, max_ratio: float,
                **kwargs: Any) -> Any:
        limits = ArchiveLimits(max_size=max_size, max_files=max_files, max_member_size=max_member_size,
                               max_ratio=max_ratio)
        return target(*args, limits=limits, **kwargs)

    defaults = ArchiveLimits()
    wrapped = click.option("--max-ratio", type=click.FloatRange(min=1), default=defaults.max_ratio, show_default=True,
                        help="Refuse an archive over 1 GiB unpacked that is more than this many times its own size.")(command)
    wrapped = click.option("--max-member-size", type=Size(), default=defaults.max_member_size, show_default="32G",
                           help="Refuse an archive with a file larger than this.")(wrapped)
    wrapped = click.option("--max-files", type=click.IntRange(min=1), default=defaults.max_files, show_default=True,
                           help="Refuse an archive with more files and folders than this.")(wrapped)
    return click.option("--max-size", type=Size(), default=defaults.max_size, show_default="64G",
                        help="Refuse an archive that unpacks to more than this in all.")(wrapped)
