"""`vtsserving build` writes the vts layout of DESIGN.md into the store, a new version each time."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import vtsserving
from vtsserving.cli import cli


def _build(ctx: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["build", str(ctx), *args])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_build_writes_the_vts_layout(make_ctx, iris_model, vts_home: Path) -> None:
    ctx = make_ctx(
        {
            "service": "service:svc",
            "description": "# Iris service\n\nClassifies flowers.",
            "labels": {"team": "ml", "stage": 2},
            "exclude": ["data/", "*.log"],
            "python": {"packages": ["scikit-learn"]},
        },
        files={
            "helpers/util.py": "X = 1\n",
            "data/big.csv": "1,2\n",
            "run.log": "noise\n",
            "secret.txt": "no\n",
            ".vtsignore": "secret.txt\n",
            ".git/config": "[core]\n",
            "__pycache__/service.cpython-311.pyc": "",
            "venv/pyvenv.cfg": "home = /usr\n",
            "myenv/pyvenv.cfg": "home = /usr\n",
            ".pytest_cache/x": "",
        },
    )
    tag = _build(ctx)
    assert tag.startswith("iris_svc:")
    vts = vtsserving.vts.get(tag)
    root = Path(vts.path)
    assert root.parent.parent == vts_home / "vts"

    src = sorted(p.relative_to(root / "src").as_posix() for p in (root / "src").rglob("*") if p.is_file())
    assert src == [".vtsignore", "helpers/util.py", "service.py", "vtsfile.yaml"]

    info = yaml.safe_load((root / "vts.yaml").read_text())
    assert info["service"] == "service:svc"
    assert info["name"] == "iris_svc" and info["version"] == tag.split(":")[1]
    assert info["labels"] == {"team": "ml", "stage": "2"}
    assert info["models"][0]["tag"] == str(iris_model.tag)
    assert info["models"][0]["module"] == "vtsserving.sklearn"
    assert info["runners"][0]["name"] == "iris_clf" and info["runners"][0]["models"] == [str(iris_model.tag)]
    api = info["apis"][0]
    assert (api["name"], api["route"]) == ("predict", "/predict")
    assert api["input"]["id"] == "vtsserving.io.NumpyNdarray" and api["input"]["args"]["shape"] == [-1, 4]
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert info["docker"]["python_version"] == here and info["docker"]["distro"] == "debian"
    assert info["python"]["requirements"] == ["scikit-learn"] and info["conda"] is None
    assert "creation_time" in info

    assert (root / "README.md").read_text().startswith("# Iris service")
    model_dir = root / "models" / "iris_clf"
    assert (model_dir / "latest").read_text().strip() == iris_model.tag.version
    assert (model_dir / iris_model.tag.version / "model.yaml").is_file()

    py = root / "env" / "python"
    assert (py / "version.txt").read_text().strip() == here
    assert "scikit-learn" in (py / "requirements.txt").read_text().splitlines()
    assert not (py / "requirements.lock.txt").exists()
    wheels = list((py / "wheels").glob("vtsserving-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as zf:
        names = zf.namelist()
    assert "vtsserving/builder/pipeline.py" in names and "vtsserving/__init__.py" in names

    openapi = yaml.safe_load((root / "apis" / "openapi.yaml").read_text())
    assert "/predict" in openapi["paths"]
    assert (root / "env" / "docker" / "Dockerfile").is_file()
    assert (root / "env" / "docker" / "entrypoint.sh").is_file()
    assert (py / "install.sh").is_file()


def test_each_build_is_a_new_version_and_version_option(make_ctx) -> None:
    ctx = make_ctx()
    first, second = _build(ctx), _build(ctx)
    assert first != second
    assert _build(ctx, "--version", "1.0.0") == "iris_svc:1.0.0"
    tags = [str(v.tag) for v in vtsserving.vts.list("iris_svc")]
    assert tags == [first, second, "iris_svc:1.0.0"]
    assert str(vtsserving.vts.get("iris_svc:latest").tag) == "iris_svc:1.0.0"


def test_build_json_output_and_vtsfile_option(make_ctx, tmp_path: Path) -> None:
    ctx = make_ctx()
    other = tmp_path / "elsewhere.yaml"
    other.write_text(yaml.safe_dump({"service": "service:svc", "name": "renamed"}))
    result = CliRunner().invoke(cli, ["build", str(ctx), "-f", str(other), "-o", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # progress goes to stderr
    assert data["name"] == "renamed" and data["tag"].startswith("renamed:")
    assert Path(data["path"], "vts.yaml").is_file()


def test_python_api_module_is_callable(make_ctx, iris_model) -> None:
    ctx = make_ctx()
    vts = vtsserving.build(service="service:svc", build_ctx=ctx, labels={"a": "b"},
                           include=["service.py"], python={"packages": ["numpy"]}, version="v1")
    assert str(vts.tag) == "iris_svc:v1" and vts.info.labels == {"a": "b"}
    assert sorted(p.name for p in Path(vts.path, "src").iterdir()) == ["service.py"]
    from_file = vtsserving.build(build_ctx=ctx)
    assert from_file.tag.name == "iris_svc" and from_file.tag != vts.tag
    assert vtsserving.vts.Vts is type(vts)


def test_home_inside_build_context_is_not_copied(make_ctx, monkeypatch: pytest.MonkeyPatch, iris_model) -> None:
    ctx = make_ctx()
    # The model store must hold the model: copy the home into the context and point at it.
    import shutil

    from vtsserving.home import vtsserving_home

    inner = ctx / "home"
    shutil.copytree(vtsserving_home(), inner)
    monkeypatch.setenv("VTSSERVING_HOME", str(inner))
    vts = vtsserving.build(build_ctx=ctx)
    assert not Path(vts.path, "src", "home").exists()
    assert Path(vts.path, "src", "service.py").is_file()


def test_docker_options_are_recorded_as_resolved(make_ctx) -> None:
    ctx = make_ctx(
        {"service": "service:svc",
         "docker": {"setup_script": "scripts/setup.sh", "system_packages": ["libgomp1"], "env": {"A": "1"},
                    "python_version": "3.12"}},
        files={"scripts/setup.sh": "#!/bin/sh\necho hi\n"},
    )
    vts = vtsserving.build(build_ctx=ctx)
    docker = vts.info.docker
    assert docker["python_version"] == "3.12" and docker["system_packages"] == ["libgomp1"]
    assert docker["env"] == {"A": "1"}
    assert docker["setup_script"] == "env/docker/setup_script"
    assert Path(vts.path, docker["setup_script"]).read_text() == "#!/bin/sh\necho hi\n"
    assert Path(vts.path, "env/python/version.txt").read_text().strip() == "3.12"


def test_credential_files_stay_out_of_the_vts_and_the_build_says_so(make_ctx) -> None:
    secrets = {".env": "TOKEN=abc\n", ".aws/credentials": "[default]\n", ".ssh/id_ed25519": "key\n",
               ".netrc": "machine x\n", "conf/server.key": "key\n", ".env.example": "TOKEN=\n"}
    ctx = make_ctx({"service": "service:svc", "include": ["*", ".env.example"]}, files=secrets)
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.stderr.splitlines() if "left out" in line)
    for path in (".env", ".aws/credentials", ".ssh/id_ed25519"):
        assert path in warning
    vts = vtsserving.vts.get(result.stdout.strip().splitlines()[-1])
    copied = {p.relative_to(Path(vts.path, "src")).as_posix() for p in Path(vts.path, "src").rglob("*") if p.is_file()}
    assert copied == {"service.py", "vtsfile.yaml", ".env.example"}
