"""The vtsfile schema: one typed model; errors name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtsserving.builder.config import VtsfileConfig, load_vtsfile
from vtsserving.exceptions import ConfigError, NotFound


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vtsfile.yaml"
    path.write_text(text)
    return path


def test_defaults_and_single_values_become_lists(tmp_path: Path) -> None:
    cfg = load_vtsfile(_write(tmp_path, "service: s:svc\ninclude: '*.py'\npython:\n  extra_index_url: https://x/simple\n"), tmp_path)
    assert cfg.include == ["*.py"] and cfg.exclude == []
    assert cfg.python.extra_index_url == ["https://x/simple"]
    assert cfg.python.lock_packages is False and cfg.conda.used is False
    assert cfg.docker.distro == "debian"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("service: s:svc\nmodels: [a]\n", "models: unknown key"),
        ("service: s:svc\npython:\n  packages: 3\n", "python.packages"),
        ("service: s:svc\nconda:\n  chanels: [x]\n", "conda.chanels: unknown key"),
        ("service: s:svc\ndocker:\n  distro: centos\n", "docker.distro"),
        ("service: s:svc\ndocker:\n  env: [1, 2]\n", "docker.env"),
        ("service: s:svc\nlabels: 3\n", "labels"),
        ("- just\n- a list\n", "must be a mapping"),
        ("name: x\n", "service: required key is missing"),
    ],
)
def test_errors_name_key_and_file(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_vtsfile(path, tmp_path)
    assert expected in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_paths_expand_and_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m" / "mlflow_model").mkdir(parents=True)
    (tmp_path / "m" / "mlflow_model" / "requirements.txt").write_text("numpy\n")
    (tmp_path / "env.yml").write_text("dependencies: []\n")
    monkeypatch.setenv("VTSSERVING_MLFLOW_MODEL_PATH", str(tmp_path / "m"))
    cfg = VtsfileConfig.from_dict({
        "service": "s:svc",
        "python": {"requirements_txt": "$VTSSERVING_MLFLOW_MODEL_PATH/mlflow_model/requirements.txt",
                   "find_links": ["https://x/links", "wheelhouse"]},
        "conda": {"environment_yml": "env.yml"},
    }).resolved(tmp_path)
    assert cfg.python.requirements_txt == str(tmp_path / "m" / "mlflow_model" / "requirements.txt")
    assert cfg.conda.environment_yml == str(tmp_path / "env.yml")
    assert cfg.python.find_links == ["https://x/links", str(tmp_path / "wheelhouse")]


def test_missing_file_and_unset_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_VAR", raising=False)
    with pytest.raises(ConfigError, match=r"python.requirements_txt: file .*r.txt' not found"):
        VtsfileConfig.from_dict({"service": "s", "python": {"requirements_txt": "r.txt"}}).resolved(tmp_path)
    with pytest.raises(ConfigError, match="NOPE_VAR, which is not set"):
        VtsfileConfig.from_dict({"service": "s", "docker": {"setup_script": "${NOPE_VAR}/s.sh"}}).resolved(tmp_path)


def test_missing_vtsfile_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="vtsfile"):
        load_vtsfile(tmp_path / "vtsfile.yaml", tmp_path)
    with pytest.raises(ConfigError, match=r"not valid YAML \(line 2\)"):
        load_vtsfile(_write(tmp_path, "service: a\n  bad: [\n"), tmp_path)


def test_python_version_written_as_a_number(tmp_path: Path) -> None:
    cfg = load_vtsfile(_write(tmp_path, "service: s\ndocker:\n  python_version: 3.12\n"), tmp_path)
    assert cfg.docker.python_version == "3.12"
    with pytest.raises(ConfigError, match='quote it, e.g. "3.10"'):
        load_vtsfile(_write(tmp_path, "service: s\ndocker:\n  python_version: 3.10\n"), tmp_path)


def test_description_from_file(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# My service\n")
    cfg = VtsfileConfig.from_dict({"service": "s", "description": "file: ./README.md"}).resolved(tmp_path)
    assert cfg.description == "# My service\n"
    with pytest.raises(ConfigError, match="description: file"):
        VtsfileConfig.from_dict({"service": "s", "description": "file:nope.md"}).resolved(tmp_path)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("description: \"file:../outside/secret.txt\"\n", "description"),
        ("python:\n  requirements_txt: ../outside/secret.txt\n", "python.requirements_txt"),
        ("python:\n  wheels: [sub/../../outside/secret.txt]\n", "python.wheels"),
        ("python:\n  find_links: [../outside]\n", "python.find_links"),
        ("docker:\n  setup_script: ../outside/secret.txt\n", "docker.setup_script"),
        ("description: file:link.txt\n", "description"),  # a link inside that points out
    ],
)
def test_relative_paths_stay_in_the_build_folder(tmp_path: Path, section: str, key: str) -> None:
    ctx, outside = tmp_path / "ctx", tmp_path / "outside"
    ctx.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("s3cret\n")
    (ctx / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(ConfigError, match=rf"{key}: .* is outside the build folder") as info:
        load_vtsfile(_write(ctx, "service: s:svc\n" + section), ctx)
    assert "\n" not in str(info.value) and "s3cret" not in str(info.value)


def test_paths_elsewhere_are_used_when_written_absolute_or_with_a_variable(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, outside = tmp_path / "ctx", tmp_path / "outside"
    ctx.mkdir()
    outside.mkdir()
    (outside / "README.md").write_text("# about\n")
    (outside / "requirements.txt").write_text("six\n")
    monkeypatch.setenv("MODEL_DIR", str(outside))
    text = (f"service: s:svc\ndescription: \"file:{outside / 'README.md'}\"\n"
            "python:\n  requirements_txt: $MODEL_DIR/requirements.txt\n")
    cfg = load_vtsfile(_write(ctx, text), ctx)
    assert cfg.description == "# about\n" and cfg.python.requirements_txt == str(outside / "requirements.txt")
