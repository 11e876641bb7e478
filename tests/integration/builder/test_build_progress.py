"""`vtsserving build` shows its steps with timings on stderr; tables print whole when piped."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

import vtsserving
from vtsserving.cli import cli

# Plain mode (not a terminal, as under CliRunner or `| cat`): "STEP ..." when it starts and
# "STEP: 12 ms" / "STEP: 1.3 s" when it ends.
TIME = r"(\d+ ms|\d+\.\d s)"
STEPS = ["Reading vtsfile.yaml", "Loading service service:svc", "Resolving Python requirements",
         "Packing the vtsserving wheel", "Copying the source into vts", "Copying 1 model",
         "Writing the Python environment", "Writing the Dockerfile", "Saving to the store"]


def test_build_prints_each_step_and_its_time_as_plain_lines(make_ctx) -> None:
    result = CliRunner().invoke(cli, ["build", str(make_ctx()), "--version", "v1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "iris_svc:v1\n"  # stdout carries only the result
    lines = result.stderr.splitlines()
    assert "\x1b[" not in result.stderr  # no escape codes off a terminal
    starts = [ln for ln in lines if ln.endswith(" ...")]
    ends = [ln for ln in lines if re.search(rf": {TIME}$", ln)]
    assert len(starts) == len(ends) == len(STEPS), result.stderr
    for step, start, end in zip(STEPS, starts, ends, strict=True):
        assert start.startswith(step) and end.startswith(step), (step, start, end)
    assert lines.index(starts[2]) < lines.index(ends[2]) < lines.index(starts[3])  # each ends before the next
    assert re.fullmatch(rf"Built vts iris_svc:v1 in {TIME}", lines[-1]), lines[-1]


def test_quiet_build_prints_the_tag_only(make_ctx) -> None:
    result = CliRunner().invoke(cli, ["build", "-q", str(make_ctx()), "--version", "v2"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "iris_svc:v2\n" and result.stderr == ""


def test_failed_step_is_named_before_the_one_line_error(make_ctx, store_items) -> None:
    ctx = make_ctx({"service": "service:svc", "python": {"requirements_txt": "missing.txt"}})
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: ") and "missing.txt" in lines[-1], result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    assert re.fullmatch(rf"Reading vtsfile.yaml: failed after {TIME}", lines[-2]), result.stderr
    assert not any(ln.startswith("Built vts") for ln in lines)
    assert store_items() == []


def test_list_never_truncates_when_piped(make_ctx) -> None:
    long_name = "a-service-name-long-enough-to-be-cut-at-eighty-columns-x"
    vtsserving.build(build_ctx=make_ctx(name=long_name), version="a-long-version-string-too")
    result = CliRunner().invoke(cli, ["list"])  # CliRunner's stdout is not a terminal, like `| cat`
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["Tag", "Service", "Size", "Creation", "Time"]
    assert row.startswith(f"{long_name}:a-long-version-string-too  ") and "…" not in row
    assert "service:svc" in row and len(row) > 100
    assert "\x1b[" not in result.stdout  # the bold header is plain text off a terminal


def test_models_list_never_truncates_when_piped(iris_model, vts_home: Path) -> None:
    from sklearn.dummy import DummyClassifier

    name = "a-model-name-that-is-long-enough-to-overflow-eighty-columns-x"
    model = vtsserving.sklearn.save_model(name, DummyClassifier().fit([[0], [1]], [0, 1]))
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 0, result.output
    row = next(ln for ln in result.stdout.splitlines() if ln.startswith(name))
    assert row.startswith(f"{model.tag}  ") and "vtsserving.sklearn" in row and "…" not in row
