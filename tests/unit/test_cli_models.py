"""`vtsserving models ...` and `vtsserving env`: output formats, confirmations, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from vtsserving import models
from vtsserving.cli import cli
from vtsserving.models import ModelContext


def _run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def _save(name: str = "iris") -> models.Model:
    with models.create(name, module="vtsserving.sklearn", context=ModelContext(framework_name="t")) as model:
        Path(model.path_of("weights.bin")).write_bytes(b"w" * 2048)
    return model


def _one_line_error(result: Result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_list_formats() -> None:
    first, second, other = _save(), _save(), _save("alpha")
    table = _run("models", "list")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["Tag", "Module", "Size", "Creation", "Time"]
    assert [line.split()[0] for line in lines[1:]] == [str(other.tag), str(first.tag), str(second.tag)]
    assert "vtsserving.sklearn" in lines[1] and "KiB" in lines[1]
    rows = json.loads(_run("models", "list", "iris", "-o", "json").stdout)
    assert [r["tag"] for r in rows] == [str(first.tag), str(second.tag)]
    assert rows[0]["module"] == "vtsserving.sklearn" and rows[0]["size"] > 2048
    assert rows[0]["path"] == first.path and rows[0]["creation_time"].startswith("20")
    assert yaml.safe_load(_run("models", "list", "-o", "yaml").stdout) == json.loads(
        _run("models", "list", "-o", "json").stdout
    )


def test_list_empty_and_errors() -> None:
    empty = _run("models", "list")
    assert empty.exit_code == 0 and "No models in" in empty.stderr
    assert json.loads(_run("models", "list", "-o", "json").stdout) == []
    _one_line_error(_run("models", "list", "nope"), 3, "model 'nope' not found")
    _one_line_error(_run("models", "list", "../x"), 2, "'../x' is invalid")
    assert _run("models", "list", "-o", "xml").exit_code == 2


def test_list_shows_a_corrupt_model_and_get_explains_it() -> None:
    _save("good")
    bad = _save("bad")
    Path(bad.path_of("model.yaml")).write_text(": : :\n")
    listing = _run("models", "list")
    assert listing.exit_code == 0 and "(invalid model.yaml)" in listing.stdout
    _one_line_error(_run("models", "get", "bad"), 2, "model.yaml is not valid YAML")


def test_get_formats() -> None:
    model = _save()
    path = _run("models", "get", "iris:latest", "-o", "path")
    assert path.exit_code == 0 and path.stdout == model.path + "\n"
    info = yaml.safe_load(_run("models", "get", "iris").stdout)
    assert info["name"] == "iris" and info["version"] == model.tag.version
    data = json.loads(_run("models", "get", f"iris:{model.tag.version[:12]}", "-o", "json").stdout)
    assert data == info  # the same content as model.yaml


@pytest.mark.parametrize(
    ("tag", "code", "fragment"),
    [
        ("../x", 2, "'../x' is invalid"),
        ("A B", 2, "'A B' is invalid"),
        ("a" * 64, 2, "longer than 63"),
        ("", 2, "must be 'name' or 'name:version'"),
        ("nope", 3, "model 'nope' not found"),
        ("iris:zzz", 3, "model iris:zzz not found"),
    ],
)
def test_get_bad_tags(tag: str, code: int, fragment: str) -> None:
    _save()
    _one_line_error(_run("models", "get", tag), code, fragment)


def test_delete_confirms_unless_yes() -> None:
    first, second = _save(), _save()
    refused = _run("models", "delete", str(second.tag), input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert models.list() == [first, second]
    confirmed = _run("models", "delete", "iris", input="y\n")
    assert confirmed.exit_code == 0 and f"Deleted model {second.tag}" in confirmed.stdout
    assert models.get("iris") == first
    _one_line_error(_run("models", "delete", "iris", "nope", "-y"), 3, "'nope' not found")
    assert models.list() == [first]  # nothing deleted when one tag is unknown
    assert _run("models", "delete", "iris", "-y").exit_code == 0
    assert models.list() == []


def test_export_import(tmp_path: Path) -> None:
    model = _save()
    exported = _run("models", "export", "iris", str(tmp_path))
    assert exported.exit_code == 0, exported.output
    archive = tmp_path / f"iris-{model.tag.version}.tar.gz"
    assert str(archive) in exported.stdout and archive.is_file()
    _one_line_error(_run("models", "import", str(archive)), 4, "already exists")
    assert _run("models", "import", str(archive), "--overwrite").exit_code == 0
    models.delete(model.tag)
    imported = _run("models", "import", str(archive))
    assert imported.exit_code == 0 and f"Imported model {model.tag}" in imported.stdout
    assert models.get("iris").tag == model.tag


def test_import_bad_archives(tmp_path: Path) -> None:
    (tmp_path / "junk.tar.gz").write_bytes(b"junk")
    _one_line_error(_run("models", "import", str(tmp_path / "junk.tar.gz")), 2, "not a readable .tar.gz")
    _one_line_error(_run("models", "import", str(tmp_path / "none.tar.gz")), 3, "not found")
    evil = tmp_path / "evil.tar.gz"
    (tmp_path / "model.yaml").write_text("name: x\n")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(tmp_path / "model.yaml", arcname="model.yaml")
        tar.add(tmp_path / "model.yaml", arcname="../escape")
    _one_line_error(_run("models", "import", str(evil)), 2, "contains '..'")
    _one_line_error(_run("models", "export", "nope", str(tmp_path)), 3, "not found")
    assert models.list() == [] and not (tmp_path / "escape").exists()


def test_help_on_every_command() -> None:
    for command in ("list", "get", "delete", "export", "import"):
        result = _run("models", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout
    assert "export" in _run("models", "--help").stdout


def test_env_prints_versions_and_home(vts_home: Path) -> None:
    data = json.loads(_run("env", "-o", "json").stdout)
    assert data["vtsserving_home"] == str(vts_home)
    assert data["python"] and "scikit-learn" in data["packages"]


def test_real_process_exit_code_and_verbose_traceback(vts_home: Path) -> None:
    exe = [sys.executable, "-m", "vtsserving"]
    env = {**os.environ, "VTSSERVING_HOME": str(vts_home)}
    quiet = subprocess.run([*exe, "models", "get", "../x"], capture_output=True, text=True, env=env)
    assert quiet.returncode == 2 and quiet.stdout == ""
    assert quiet.stderr.strip().splitlines() == [
        "Error: name '../x' is invalid: use lower-case letters, digits, '-', '.' and '_',"
        " starting and ending with a letter or digit"
    ]
    verbose = subprocess.run([*exe, "--verbose", "models", "get", "nope"], capture_output=True, text=True, env=env)
    assert verbose.returncode != 0 and "Traceback" in verbose.stderr


def test_a_yaml_alias_bomb_in_model_yaml_is_refused_at_once() -> None:
    """Nine levels of nine aliases would be 387 million list items if expanded."""
    bomb = _save("bomb")
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = Path(bomb.path_of("model.yaml"))
    info = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(info, sort_keys=False).replace("metadata: {}", "metadata:\n  " + "\n  ".join(levels)))
    _one_line_error(_run("models", "get", "bomb", "-o", "json"), 2, "uses the YAML alias *a0")
    listing = _run("models", "list")
    assert listing.exit_code == 0 and "bomb" in listing.stdout


def test_import_limits_are_flags_with_one_line_errors(tmp_path: Path) -> None:
    model = _save("big")
    archive = Path(_run("models", "export", "big", str(tmp_path) + "/").stdout.split(" to ")[-1].strip())
    models.delete(model.tag)
    _one_line_error(_run("models", "import", str(archive), "--max-member-size", "1K"), 2,
                    "weights.bin", "over the 0.0 GB limit (--max-member-size)")
    _one_line_error(_run("models", "import", str(archive), "--max-files", "1"), 2, "--max-files")
    assert _run("models", "import", str(archive), "--max-size", "lots").exit_code == 2
    assert models.list() == []
    imported = _run("models", "import", str(archive), "--max-size", "1MiB")
    assert imported.exit_code == 0 and str(model.tag) in imported.stdout
