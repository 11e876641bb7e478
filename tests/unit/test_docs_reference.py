"""The generated reference pages (docs/hooks/reference.py) cover the whole vtsfile schema and CLI."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import pytest

HOOK = Path(__file__).resolve().parents[2] / "docs" / "hooks" / "reference.py"


@pytest.fixture(scope="module")
def reference():
    spec = importlib.util.spec_from_file_location("docs_reference_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_uses_the_build_schema(reference) -> None:
    from vtsserving.builder.config import VtsfileConfig

    assert reference.vtsfile_model() is VtsfileConfig


def test_every_vtsfile_key_has_a_description_and_no_stale_ones(reference) -> None:
    keys, documented = set(reference.schema_keys()), set(reference.key_docs())
    assert {"service", "python.requirements_txt", "conda.environment_yml", "docker.base_image"} <= keys
    assert keys - documented == set(), "add these keys to docs/hooks/vtsfile_keys.yaml"
    assert documented - keys == set(), "these keys in docs/hooks/vtsfile_keys.yaml left the schema"


def test_vtsfile_reference_lists_every_key(reference) -> None:
    text = reference.vtsfile_reference()
    for key in reference.schema_keys():
        section, _, name = key.rpartition(".")
        assert f"| `{name}` |" in text, key
        if section:
            assert f"## `{section}:`" in text
    assert "| `service` | string | **required** |" in text


def test_cli_reference_lists_every_command_and_option(reference) -> None:
    from vtsserving.cli import cli

    text = reference.cli_reference()
    ctx = click.Context(cli, info_name="vtsserving")
    names = cli.list_commands(ctx)
    assert {"build", "containerize", "models", "serve"} <= set(names)
    for name in names:
        command = cli.get_command(ctx, name)
        assert f"## `vtsserving {name}`" in text, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert f"`{param.opts[-1]}" in text or param.opts[-1] in text, (name, param.opts)
    assert "vtsserving models list" in text


def test_hook_replaces_markers_only(reference) -> None:
    page = f"# Title\n\n{reference.VTSFILE_MARKER}\n\n{reference.CLI_MARKER}\n"
    out = reference.on_page_markdown(page, None, None, None)
    assert reference.VTSFILE_MARKER not in out and reference.CLI_MARKER not in out
    assert out.startswith("# Title") and "## `python:`" in out and "`vtsserving serve`" in out
    assert reference.on_page_markdown("plain page", None, None, None) == "plain page"
