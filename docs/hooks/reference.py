"""MkDocs hook: generate the vtsfile.yaml and CLI reference pages from the code, so they cannot drift.

A page that contains `<!-- vtsfile-reference -->` gets the tables of the vtsfile schema (the
pydantic model of `vtsserving.builder.config`); `<!-- cli-reference -->` gets every command of
the `vtsserving` click group with its usage, help, arguments, options and examples (the
`examples=` of `vtsserving.cli._help.Command`).
"""

from __future__ import annotations

import html
import inspect
import json
from pathlib import Path
from typing import Any

import yaml

KEY_DOCS = Path(__file__).with_name("vtsfile_keys.yaml")
VTSFILE_MARKER = "<!-- vtsfile-reference -->"
CLI_MARKER = "<!-- cli-reference -->"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if VTSFILE_MARKER in markdown:
        markdown = markdown.replace(VTSFILE_MARKER, vtsfile_reference())
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    return markdown


# --- vtsfile.yaml ----------------------------------------------------------------------------


def vtsfile_model() -> type:
    """The pydantic model of the whole vtsfile."""
    from vtsserving.builder.config import VtsfileConfig

    return VtsfileConfig


def key_docs() -> dict[str, str]:
    """The prose line of each vtsfile key (`section.key` for nested keys)."""
    return yaml.safe_load(KEY_DOCS.read_text())


def schema_keys(model: type | None = None, prefix: str = "") -> list[str]:
    """Every key of the vtsfile schema, nested ones as `section.key`."""
    model = model or vtsfile_model()
    keys = []
    for name, field in model.model_fields.items():
        keys.append(prefix + name)
        if _is_model(field.annotation):
            keys += schema_keys(field.annotation, f"{name}.")
    return keys


def vtsfile_reference() -> str:
    model = vtsfile_model()
    docs = key_docs()
    if model.__name__ == "DockerOptions":
        return _section("docker", model, docs)
    nested = [(n, f.annotation) for n, f in model.model_fields.items() if _is_model(f.annotation)]
    out = [_cell(inspect.getdoc(model) or ""), "", "## Top-level keys", "", *_table(model, docs, ""), ""]
    for key, sub in nested:
        out += [_section(key, sub, docs), ""]
    return "\n".join(out)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and hasattr(annotation, "model_fields")


def _section(key: str, model: type, docs: dict[str, str]) -> str:
    lines = [f"## `{key}:`", "", _cell(inspect.getdoc(model) or ""), "", *_table(model, docs, f"{key}.")]
    return "\n".join(lines)


def _table(model: type, docs: dict[str, str], prefix: str) -> list[str]:
    props = model.model_json_schema()["properties"]
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, field in model.model_fields.items():
        if _is_model(field.annotation):
            kind, default = "mapping", f"see [`{key}:`](#{key})"
        elif field.is_required():
            kind, default = _type(props[key]), "**required**"
        else:
            kind, default = _type(props[key]), _default(field.get_default(call_default_factory=True))
        text = field.description or docs.get(prefix + key, "")
        lines.append(f"| `{key}` | {_cell(kind)} | {_cell(default)} | {_cell(text)} |")
    return lines


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


def _default(value: Any) -> str:
    return "none" if value is None else f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# --- CLI -------------------------------------------------------------------------------------


def cli_reference() -> str:
    import click

    from vtsserving.cli import cli

    root = click.Context(cli, info_name="vtsserving", **cli.context_settings)  # -h too, in every command
    out: list[str] = []
    _command_doc(cli, root, out, level=2)
    return "\n".join(out)


def _command_doc(cmd: Any, ctx: Any, out: list[str], level: int) -> None:
    import click

    out += [f"{'#' * level} `{ctx.command_path}`", ""]
    help_text = inspect.cleandoc(cmd.help or "")
    if help_text:
        out += [_plain(help_text), ""]
    out += ["```text", cmd.get_usage(ctx), "```", ""]
    params = cmd.get_params(ctx)
    arguments = [_argument_row(p, ctx) for p in params if isinstance(p, click.Argument)]
    if arguments:
        out += ["| argument | description |", "|---|---|", *arguments, ""]
    rows = [_option_row(p, ctx) for p in params if not isinstance(p, click.Argument)]
    rows = [r for r in rows if r]
    if rows:
        out += ["| option | description |", "|---|---|", *rows, ""]
    examples = list(getattr(cmd, "examples", []))
    if examples:
        out += ["**Examples**", "", "```bash", *examples, "```", ""]
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            _command_doc(sub, click.Context(sub, info_name=name, parent=ctx), out, level=min(level + 1, 4))


def _argument_row(param: Any, ctx: Any) -> str:
    name = param.human_readable_name + ("..." if param.nargs == -1 else "")
    optional = "" if param.required else " (optional)"
    return f"| `{name}`{optional} | {_cell(getattr(param, 'help', None) or '')} |"


def _option_row(param: Any, ctx: Any) -> str | None:
    record = param.get_help_record(ctx)
    if record is None:
        return None
    names, text = record
    return f"| {_code(names)} | {_cell(text)} |"


def _code(text: str) -> str:
    """Inline code for a table cell; `|` cannot be escaped inside backticks, so use HTML then."""
    if "|" not in text:
        return f"`{text}`"
    return f"<code>{html.escape(text).replace('|', '&#124;')}</code>"


def _plain(text: str) -> str:
    """Click help text as markdown: `\\b` no-rewrap markers dropped, paragraphs kept."""
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b")
