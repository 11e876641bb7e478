"""MkDocs hook: generate the vtsfile.yaml and CLI reference pages from the code, so they cannot drift.

A page that contains `<!-- vtsfile-reference -->` gets the tables of the vtsfile schema (the
pydantic model of `vtsserving.build.config`); `<!-- cli-reference -->` gets every command of
the `vtsserving` click group with its usage, help and options.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

VTSFILE_MARKER = "<!-- vtsfile-reference -->"
CLI_MARKER = "<!-- cli-reference -->"

# Where the vtsfile schema lives; the Docker options alone are the fallback while the build
# package is not there.
_SCHEMA_CANDIDATES = (
    ("vtsserving.build.config", "VtsfileConfig"),
    ("vtsserving.containerize.options", "DockerOptions"),
)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if VTSFILE_MARKER in markdown:
        markdown = markdown.replace(VTSFILE_MARKER, vtsfile_reference())
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    return markdown


# --- vtsfile.yaml ----------------------------------------------------------------------------


def vtsfile_model() -> type:
    """The pydantic model of the whole vtsfile (or of its `docker:` section as a fallback)."""
    for module, attr in _SCHEMA_CANDIDATES:
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
    raise RuntimeError("no vtsfile schema found in vtsserving.build or vtsserving.containerize")


def vtsfile_reference() -> str:
    model = vtsfile_model()
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    if model.__name__ == "DockerOptions":
        return _section("docker", schema, defs, level=2)
    top: list[tuple[str, dict]] = []
    nested: list[tuple[str, dict]] = []
    for key, prop in schema["properties"].items():
        target = _resolve(prop, defs)
        (nested if target is not None else top).append((key, target or prop))
    out = [_doc(schema), "", "## Top-level keys", "", *_table(top, schema, defs), ""]
    for key, sub in nested:
        out += [_section(key, sub, defs, level=2), ""]
    return "\n".join(out)


def _section(key: str, schema: dict, defs: dict, level: int) -> str:
    rows = list(schema.get("properties", {}).items())
    lines = [f"{'#' * level} `{key}:`", "", _doc(schema), "", *_table(rows, schema, defs)]
    return "\n".join(lines)


def _table(rows: list[tuple[str, dict]], parent: dict, defs: dict) -> list[str]:
    required = set(parent.get("required", []))
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, prop in rows:
        sub = _resolve(prop, defs)
        if sub is not None:
            kind, default = "mapping", f"see [`{key}:`](#{key})"
        else:
            kind, default = _type(prop), "**required**" if key in required else _default(prop)
        lines.append(f"| `{key}` | {kind} | {default} | {_cell(prop.get('description', ''))} |")
    return lines


def _resolve(prop: dict, defs: dict) -> dict | None:
    """The schema of a nested section (an object defined in `$defs`), else None."""
    ref = prop.get("$ref") or next((p["$ref"] for p in prop.get("allOf", []) if "$ref" in p), None)
    if ref is None:
        return None
    return defs[ref.rsplit("/", 1)[-1]]


def _type(prop: dict) -> str:
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"])
    if "enum" in prop:
        return " or ".join(f"`{json.dumps(v)}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        values = prop.get("additionalProperties")
        return f"mapping of string to {_type(values)}" if isinstance(values, dict) else "mapping"
    return {"null": "null", "string": "string", "boolean": "boolean", "integer": "integer", "number": "number"}.get(kind, kind)


def _default(prop: dict) -> str:
    if "default" not in prop:
        return ""
    value = prop["default"]
    if value in (None, [], {}):
        return "none" if value is None else f"`{json.dumps(value)}`"
    return f"`{json.dumps(value)}`"


def _doc(schema: dict) -> str:
    return _cell(schema.get("description", "")).replace("\\|", "|")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# --- CLI -------------------------------------------------------------------------------------


def cli_reference() -> str:
    import click

    from vtsserving.cli import cli

    root = click.Context(cli, info_name="vtsserving")
    out: list[str] = []
    _command_doc(cli, root, out, level=2)
    return "\n".join(out)


def _command_doc(cmd: Any, ctx: Any, out: list[str], level: int) -> None:
    import click

    out += [f"{'#' * level} `{ctx.command_path}`", ""]
    help_text = (cmd.help or "").strip()
    if help_text:
        out += [_plain(help_text), ""]
    out += ["```text", cmd.get_usage(ctx), "```", ""]
    rows = [_option_row(p, ctx) for p in cmd.get_params(ctx)]
    rows = [r for r in rows if r]
    if rows:
        out += ["| option | description |", "|---|---|", *rows, ""]
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            _command_doc(sub, click.Context(sub, info_name=name, parent=ctx), out, level=min(level + 1, 4))


def _option_row(param: Any, ctx: Any) -> str | None:
    import click

    if isinstance(param, click.Argument):
        return f"| `{param.human_readable_name}` (argument) | {_cell(getattr(param, 'help', None) or '')} |"
    record = param.get_help_record(ctx)
    if record is None:
        return None
    names, text = record
    return f"| `{names}` | {_cell(text)} |"


def _plain(text: str) -> str:
    """Click help text as markdown: `\\b` no-rewrap markers dropped, paragraphs kept."""
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b")
