"""Every command documents its arguments and has examples that parse (docs/reference/cli.md)."""

from __future__ import annotations

import importlib.util
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vtsserving.cli import _help, cli

HOOK = Path(__file__).resolve().parents[2] / "docs" / "hooks" / "reference.py"
SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<"}


def _walk(cmd: click.Command, ctx: click.Context) -> Iterator[tuple[click.Command, click.Context]]:
    yield cmd, ctx
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx))


COMMANDS = list(_walk(cli, click.Context(cli, info_name="vtsserving", **cli.context_settings)))
IDS = [ctx.command_path for _, ctx in COMMANDS]


@pytest.fixture(scope="module")
def reference_text() -> str:
    spec = importlib.util.spec_from_file_location("docs_reference_hook_examples", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli_reference()


def test_the_walk_reaches_every_command() -> None:
    assert {"vtsserving build", "vtsserving models import", "vtsserving deploy haproxy", "vtsserving serve"} <= set(IDS)
    assert len(IDS) >= 20


@pytest.mark.parametrize(("cmd", "ctx"), COMMANDS, ids=IDS)
def test_every_argument_has_a_description(cmd: click.Command, ctx: click.Context, reference_text: str) -> None:
    for param in cmd.get_params(ctx):
        if isinstance(param, click.Argument):
            assert isinstance(param, _help.Argument), f"{ctx.command_path} {param.name}: use cli._help.argument"
            assert len(param.help.split()) >= 3, f"{ctx.command_path} {param.name}: describe it"
            assert f"| `{param.human_readable_name}" in reference_text
            assert " ".join(param.help.split()).replace("|", "\\|") in reference_text
        elif not param.hidden:
            assert param.help, f"{ctx.command_path} {param.opts}: an option without help"


@pytest.mark.parametrize(("cmd", "ctx"), COMMANDS, ids=IDS)
def test_every_command_has_examples_that_parse(cmd: click.Command, ctx: click.Context, reference_text: str) -> None:
    examples = _help.command_examples(cmd)
    assert examples, f"{ctx.command_path}: add examples=[...]"
    assert any(_command_line(e)[: len(ctx.command_path.split())] == ctx.command_path.split() for e in examples), (
        f"no example of {ctx.command_path} itself")
    section = reference_text[reference_text.index(f"# `{ctx.command_path}`"):]
    for example in examples:
        assert example in section.split("```bash", 1)[1].split("```", 1)[0], (ctx.command_path, example)
        _parses(example)


def _command_line(example: str) -> list[str]:
    """The tokens of the first `vtsserving ...` command of an example, up to a shell operator."""
    tokens = shlex.split(example, comments=True)
    out: list[str] = []
    for token in tokens[tokens.index("vtsserving"):]:
        if token in SHELL_OPERATORS:
            break
        out.append(token)
    return out


def _parses(example: str) -> None:
    """Parse the example's command line with the real commands (nothing runs)."""
    tokens = _command_line(example)[1:]
    ctx = cli.make_context("vtsserving", list(tokens), resilient_parsing=False)
    command: click.Command = cli
    rest = _rest(ctx)
    while isinstance(command, click.Group) and rest:
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None, example
        try:
            ctx = sub.make_context(name, list(rest), parent=ctx)
        except click.BadParameter as exc:  # a file the example names but this test does not have
            assert "does not exist" in str(exc), (example, str(exc))
            return
        command, rest = sub, _rest(ctx) if isinstance(sub, click.Group) else []
    assert not ctx.args, (example, ctx.args)


def _rest(ctx: click.Context) -> list[str]:
    """A group's unparsed subcommand line (`protected_args` became private in click 8.2)."""
    protected = getattr(ctx, "_protected_args", None)
    return [*(protected if protected is not None else ctx.protected_args), *ctx.args]


def test_help_lists_arguments_and_examples() -> None:
    out = CliRunner().invoke(cli, ["models", "export", "--help"]).output
    assert "TAG" in out and "The model: NAME[:VERSION]" in out
    assert out.rstrip().endswith("vtsserving models export iris_clf:latest s3://bucket/models/iris_clf.tar.gz")
    assert "Examples:" in out


def test_help_lists_arguments_on_a_click_without_argument_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """click < 8.5 (pyproject allows 8.1) does not list arguments: the Arguments section is ours."""
    monkeypatch.setattr(_help, "NATIVE_ARGUMENT_HELP", False)

    @click.command(cls=_help.Command, examples=["tool THING"])
    @_help.argument("thing", help="The thing to act on.")
    def tool(thing: str) -> None:
        """Do it."""

    out = CliRunner().invoke(tool, ["--help"]).output
    assert "Arguments:\n  THING  The thing to act on." in out  # (click 8.5 adds its own section too)
    assert "Examples:\n  tool THING" in out
