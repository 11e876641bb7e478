"""Bad input: one clear line, a non-zero exit, and nothing left in the store."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import vtsserving
from vtsserving.cli import cli


def _fails(ctx: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["build", "-q", str(ctx), *args])  # -q: no progress lines
    assert result.exit_code != 0, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return result.exit_code, lines[0]


@pytest.mark.parametrize(
    ("vtsfile", "expected"),
    [
        ({"service": "service:svc", "pythn": {}}, "pythn: unknown key"),
        ({"service": "service:svc", "python": {"lock": True}}, "python.lock: unknown key"),
        ({"service": "service:svc", "python": {"packages": {"a": 1}}}, "python.packages"),
        ({"service": "service:svc", "python": {"lock_packages": "maybe"}}, "python.lock_packages"),
        ({"name": "x"}, "service: required key is missing"),
        ({"service": "service:svc", "docker": {"distro": "alpine"}}, "docker.distro"),
        ({"service": "service:svc", "docker": {"python_version": "2.7"}}, "docker.python_version"),
        ({"service": "service:svc", "docker": {"python_version": "three"}}, "docker.python_version"),
        ({"service": "service:svc", "python": {"requirements_txt": "nope/req.txt"}},
         "python.requirements_txt: file"),
        ({"service": "service:svc", "conda": {"environment_yml": "~/no-such-env.yml"}},
         "conda.environment_yml: file"),
        ({"service": "service:svc", "python": {"wheels": ["dist/x-1.0-py3-none-any.whl"]}}, "python.wheels"),
        ({"service": "service:svc", "docker": {"setup_script": "setup.sh"}}, "docker.setup_script"),
        ({"service": "service:svc", "conda": {"dependencies": ["numpy"]}, "docker": {"cuda_version": "12.1"}},
         "conda and docker.cuda_version"),
        ({"service": "service:svc", "python": {"packages": ["not a requirement!"]}}, "invalid requirement"),
        ({"service": "service:nothere"}, "service:nothere is not a vtsserving.Service"),
        ({"service": "missing_module:svc"}, "missing_module"),
        ("service: [unclosed", "not valid YAML"),
    ],
)
def test_bad_vtsfile_is_one_line_and_stores_nothing(make_ctx, store_items, vtsfile, expected) -> None:
    ctx = make_ctx(vtsfile)
    _, line = _fails(ctx)
    assert expected in line
    if "unknown key" in expected or "python.requirements_txt" in expected:
        assert "vtsfile.yaml" in line
    assert store_items() == []


def test_missing_file_names_key_and_file(make_ctx) -> None:
    ctx = make_ctx({"service": "service:svc", "python": {"requirements_txt": "reqs/requirements.txt"}})
    _, line = _fails(ctx)
    assert str(ctx / "vtsfile.yaml") in line
    assert str(ctx / "reqs" / "requirements.txt") in line


def test_unset_environment_variable_is_named(make_ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VTSSERVING_MLFLOW_MODEL_PATH", raising=False)
    ctx = make_ctx({"service": "service:svc",
                    "python": {"requirements_txt": "$VTSSERVING_MLFLOW_MODEL_PATH/mlflow_model/requirements.txt"}})
    _, line = _fails(ctx)
    assert "VTSSERVING_MLFLOW_MODEL_PATH" in line and "not set" in line


def test_missing_vtsfile(tmp_path: Path, store_items) -> None:
    code, line = _fails(tmp_path)
    assert "vtsfile.yaml" in line and "not found" in line and code == 3
    assert store_items() == []


def test_service_import_error_is_shown(make_ctx, store_items) -> None:
    ctx = make_ctx(service="import vtsserving\nimport no_such_package_xyz\n")
    _, line = _fails(ctx)
    assert "no_such_package_xyz" in line and "ModuleNotFoundError" in line
    assert store_items() == []


def test_model_gone_from_store(make_ctx, iris_model, store_items) -> None:
    ctx = make_ctx()
    vtsserving.models.delete(iris_model.tag)
    _, line = _fails(ctx)
    assert "iris_clf" in line and "not found" in line
    assert store_items() == []


def test_existing_version_is_a_conflict(make_ctx, store_items) -> None:
    ctx = make_ctx()
    assert CliRunner().invoke(cli, ["build", str(ctx), "--version", "v1"]).exit_code == 0
    code, line = _fails(ctx, "--version", "v1")
    assert "already exists" in line and code == 4
    assert len(store_items()) == 1


def test_bad_version_option(make_ctx, store_items) -> None:
    ctx = make_ctx()
    _, line = _fails(ctx, "--version", "Bad Version!")
    assert "version" in line
    assert store_items() == []


def test_failure_while_writing_leaves_nothing(make_ctx, store_items, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after files were written (injected in the Dockerfile step) leaves no folder."""
    from vtsserving.builder import pipeline

    def boom(*args, **kwargs):
        raise vtsserving.exceptions.BuildError("injected failure")

    monkeypatch.setattr(pipeline, "write_docker_files", boom)
    ctx = make_ctx()
    _, line = _fails(ctx)
    assert "injected failure" in line
    assert store_items() == []


def test_verbose_shows_traceback(make_ctx) -> None:
    ctx = make_ctx({"service": "service:svc", "bogus": 1})
    result = CliRunner().invoke(cli, ["--verbose", "build", str(ctx)])
    assert result.exit_code != 0
    assert "bogus" in str(result.exception)
    assert yaml.safe_load((ctx / "vtsfile.yaml").read_text())["bogus"] == 1


def test_template_that_does_not_extend_base(make_ctx, store_items) -> None:
    ctx = make_ctx({"service": "service:svc", "docker": {"dockerfile_template": "Dockerfile.j2"}},
                   files={"Dockerfile.j2": "FROM scratch\n"})
    _, line = _fails(ctx)
    assert "dockerfile_template" in line or "extend" in line
    assert store_items() == []


@pytest.mark.parametrize("wheel", ["winonly-1.0-cp311-cp311-win_amd64.whl", "newer-1.0-cp313-cp313-manylinux_2_28_x86_64.whl"])
def test_wheel_that_does_not_fit_the_image_is_refused(make_ctx, store_items, wheel: str) -> None:
    ctx = make_ctx({"service": "service:svc", "python": {"wheels": [f"dist/{wheel}"]},
                    "docker": {"python_version": "3.11"}}, files={f"dist/{wheel}": "not read"})
    _, line = _fails(ctx)
    assert f"python.wheels: {wheel} cannot be installed in the image (CPython 3.11 on Linux)" in line
    assert store_items() == []


def test_an_index_url_with_a_password_is_refused_and_not_echoed(make_ctx, store_items) -> None:
    ctx = make_ctx({"service": "service:svc",
                    "python": {"packages": ["six"], "extra_index_url": "https://ci:t0ps3cret@pypi.example.com/simple"}})
    _, line = _fails(ctx)
    assert "python.extra_index_url" in line and "--secret" in line and "t0ps3cret" not in line
    assert store_items() == []


def test_a_file_holding_a_private_key_stops_the_build_unless_allowed(make_ctx, store_items) -> None:
    key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----\n"
    ctx = make_ctx(files={"assets/signing.txt": key})
    _, line = _fails(ctx)
    assert "src/assets/signing.txt (a private key)" in line and "allow_credentials_in" in line
    assert store_items() == []
    ctx = make_ctx({"service": "service:svc", "allow_credentials_in": ["src/assets/signing.txt"]},
                   files={"assets/signing.txt": key})
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code == 0, result.output
    assert len(store_items()) == 1
