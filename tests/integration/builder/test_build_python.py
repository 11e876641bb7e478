"""Python environments: requirement files, MLflow models' own requirements, Python versions, locks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import vtsserving
from vtsserving.cli import cli
from vtsserving.models import ModelContext

MODELS_SERVICE = """
import vtsserving

models = [vtsserving.models.get(t) for t in {tags!r}]
svc = vtsserving.Service("mlsvc", models=models)
"""


def mlflow_like_model(name: str, requirements: str | None = None, python: str | None = None,
                      conda_python: str | None = None):
    """A model stored as an MLflow import stores it: its MLflow folder under `mlflow_model/`."""
    with vtsserving.models.create(name, module="vtsserving.mlflow",
                                  context=ModelContext(framework_name="mlflow")) as model:
        folder = Path(model.path) / "mlflow_model"
        folder.mkdir()
        (folder / "MLmodel").write_text("flavors: {}\n")
        if requirements is not None:
            (folder / "requirements.txt").write_text(requirements)
        if python:
            (folder / "python_env.yaml").write_text(f"python: {python}\nbuild_dependencies: [pip]\n")
        if conda_python:
            (folder / "conda.yaml").write_text(f"dependencies:\n- python={conda_python}\n- pip\n")
    return model


def build_models_service(make_ctx, models, vtsfile: dict | None = None):
    ctx = make_ctx({"service": "service:svc", **(vtsfile or {})},
                   service=MODELS_SERVICE.format(tags=[str(m.tag) for m in models]))
    return vtsserving.build(build_ctx=ctx)


def _reqs(vts) -> list[str]:
    text = Path(vts.path, "env/python/requirements.txt").read_text()
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def test_nested_requirement_files_and_index_options(make_ctx) -> None:
    ctx = make_ctx(
        {"service": "service:svc",
         "python": {"requirements_txt": "reqs/main.txt", "packages": ["numpy>=1.24"],
                    "index_url": "https://pypi.org/simple", "extra_index_url": ["https://example.com/simple"],
                    "trusted_host": "example.com", "pip_args": "--pre", "no_index": False}},
        files={"reqs/main.txt": "-r base.txt\n--constraint constraints.txt\npandas  # comment\n",
               "reqs/base.txt": "scikit-learn>=1.2\n-r ../more/extra.txt\n",
               "more/extra.txt": "pyyaml\n",
               "reqs/constraints.txt": "numpy<3\n"},
    )
    vts = vtsserving.build(build_ctx=ctx)
    lines = _reqs(vts)
    assert lines == ["--index-url https://pypi.org/simple", "--extra-index-url https://example.com/simple",
                     "--trusted-host example.com", "-c constraints.txt",
                     "scikit-learn>=1.2", "pyyaml", "pandas", "numpy>=1.24"]
    assert Path(vts.path, "env/python/constraints.txt").read_text().split() == ["numpy<3"]
    assert Path(vts.path, "env/python/pip_args.txt").read_text().strip() == "--pre"
    assert vts.info.python["pip_args"] == "--pre"


def test_env_vars_and_home_expand_in_paths(make_ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "userhome"
    (home / "deps").mkdir(parents=True)
    (home / "deps" / "r.txt").write_text("click\n")
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    (wheel_dir / "mypkg-1.0-py3-none-any.whl").write_bytes(b"PK")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MY_WHEELS", str(wheel_dir))
    ctx = make_ctx({"service": "service:svc",
                    "python": {"requirements_txt": "~/deps/r.txt", "wheels": ["${MY_WHEELS}/mypkg-1.0-py3-none-any.whl"]}})
    vts = vtsserving.build(build_ctx=ctx)
    assert "click" in _reqs(vts)
    names = sorted(p.name for p in Path(vts.path, "env/python/wheels").iterdir())
    assert names[0] == "mypkg-1.0-py3-none-any.whl" and names[1].startswith("vtsserving-")


def test_mlflow_models_requirements_are_merged(make_ctx) -> None:
    a = mlflow_like_model("model_a", "mlflow==3.17.2\nscikit-learn==1.7.2\nnumpy>=1.24\n", python="3.11.7")
    b = mlflow_like_model("model_b", "scikit-learn==1.7.2\npandas==2.3.3\n-c constraints.txt\n", python="3.11.2")
    Path(b.path, "mlflow_model", "constraints.txt").write_text("numpy<3\n")
    vts = build_models_service(make_ctx, [a, b])
    assert _reqs(vts) == ["-c constraints.txt", "mlflow-skinny==3.17.2", "scikit-learn==1.7.2", "numpy>=1.24",
                          "pandas==2.3.3"]
    assert "model_a" in vts.info.python["requirements_from"]
    assert vts.info.docker["python_version"] == "3.11"


def test_conflicting_model_pins_name_both(make_ctx, store_items) -> None:
    a = mlflow_like_model("model_a", "scikit-learn==1.7.2\n")
    b = mlflow_like_model("model_b", "scikit-learn==1.5.0\n")
    ctx = make_ctx({"service": "service:svc"}, service=MODELS_SERVICE.format(tags=[str(a.tag), str(b.tag)]))
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code != 0
    assert "model_a" in result.output and "model_b" in result.output
    assert "scikit-learn==1.7.2" in result.output and "scikit-learn==1.5.0" in result.output
    assert store_items() == []


def test_vtsfile_requirements_win_over_models(make_ctx) -> None:
    a = mlflow_like_model("model_a", "scikit-learn==1.7.2\n")
    vts = build_models_service(make_ctx, [a], {"python": {"packages": ["numpy"]}})
    assert _reqs(vts) == ["numpy"]


def test_python_version_from_models_and_override(make_ctx, store_items) -> None:
    a = mlflow_like_model("model_a", "numpy\n", conda_python="3.12.1")
    assert build_models_service(make_ctx, [a]).info.docker["python_version"] == "3.12"
    vts = build_models_service(make_ctx, [a], {"docker": {"python_version": "3.10"}})
    assert Path(vts.path, "env/python/version.txt").read_text().strip() == "3.10"

    b = mlflow_like_model("model_b", "numpy\n", python="3.10.4")
    ctx = make_ctx({"service": "service:svc"}, service=MODELS_SERVICE.format(tags=[str(a.tag), str(b.tag)]))
    before = len(store_items())
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code != 0
    assert "model_a" in result.output and "model_b" in result.output and "3.10" in result.output
    assert len(store_items()) == before


def test_unsupported_model_python_is_clear(make_ctx) -> None:
    a = mlflow_like_model("model_a", "numpy\n", python="3.6.9")
    ctx = make_ctx({"service": "service:svc"}, service=MODELS_SERVICE.format(tags=[str(a.tag)]))
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code != 0 and "3.6 is not supported" in result.output


def test_local_version_pin_warns_once(make_ctx, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ctx = make_ctx({"service": "service:svc", "python": {"packages": ["torch==2.13.0+cpu"]}})
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.output.splitlines() if ln.startswith("Warning:")]
    assert len(warnings) == 1
    assert "torch==2.13.0+cpu" in warnings[0] and "python.wheels" in warnings[0]

    wheel = tmp_path / "torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl"
    wheel.write_bytes(b"PK")
    (ctx / "vtsfile.yaml").write_text(yaml.safe_dump(
        {"service": "service:svc", "python": {"packages": ["torch==2.13.0+cpu"], "wheels": [str(wheel)]}}))
    with caplog.at_level(logging.WARNING, logger="vtsserving.build"):
        vtsserving.build(build_ctx=ctx)
    assert not [r for r in caplog.records if "local version" in r.getMessage()]


@pytest.mark.slow
def test_seed_mlflow_requirements_via_env_var(make_ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed's flow: a real MLflow model, `models get -o path`, then `vtsserving build`."""
    import mlflow.sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    mlflow.sklearn.save_model(LogisticRegression(max_iter=300).fit(X, y), str(tmp_path / "my_model"),
                              pip_requirements=["scikit-learn", "cloudpickle"],
                              serialization_format="cloudpickle")  # skops imports for 20 s here
    vtsserving.mlflow.import_model("my_mlflow_model", model_uri=str(tmp_path / "my_model"))
    path = CliRunner().invoke(cli, ["models", "get", "my_mlflow_model:latest", "-o", "path"]).output.strip()
    monkeypatch.setenv("VTSSERVING_MLFLOW_MODEL_PATH", path)
    ctx = make_ctx(
        "python:\n    requirements_txt: $VTSSERVING_MLFLOW_MODEL_PATH/mlflow_model/requirements.txt\n"
        "    lock_packages: False\nservice: service:svc\n",
        service=MODELS_SERVICE.format(tags=["my_mlflow_model:latest"]),
    )
    result = CliRunner().invoke(cli, ["build", str(ctx)])
    assert result.exit_code == 0, result.output
    vts = vtsserving.vts.get(result.output.strip().splitlines()[-1])
    lines = _reqs(vts)
    assert any(ln.startswith("mlflow") for ln in lines) and "scikit-learn" in lines
    assert Path(vts.path, "models/my_mlflow_model/latest").is_file()
