"""`vtsserving.mlflow.import_model` from local folders, without a tracking server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import vtsserving
from vtsserving.exceptions import InvalidArgument, NotFound
from vtsserving.mlflow import MLFLOW_MODEL_FOLDER


def _mlflow_folder(root: Path, env: object, flavors: dict | None = None) -> Path:
    """A minimal MLflow model folder as MLflow writes it (content is never loaded here)."""
    root.mkdir(parents=True)
    mlmodel = {
        "flavors": flavors
        or {
            "python_function": {
                "loader_module": "mlflow.sklearn",
                "model_path": "model.pkl",
                "env": env,
            },
            "sklearn": {"pickled_model": "model.pkl", "sklearn_version": "1.0"},
        },
        "mlflow_version": "1.30.0",
        "run_id": "0123456789abcdef0123456789abcdef",
        "model_uuid": "f" * 32,
        "utc_time_created": "2022-01-01 00:00:00.000000",
        "signature": {
            "inputs": '[{"name": "a", "type": "double"}]',
            "outputs": '[{"type": "long"}]',
        },
    }
    (root / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    (root / "model.pkl").write_bytes(b"\x80\x04N.")
    (root / "conda.yaml").write_text("name: x\n")
    (root / "python_env.yaml").write_text("python: 3.11\n")
    (root / "requirements.txt").write_text("scikit-learn\n")
    (root / "sub").mkdir()
    (root / "sub" / "data.bin").write_bytes(bytes(range(256)) * 10)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("conda.yaml", {"conda": "conda.yaml"}),
        (
            {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
            {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
        ),
        (None, {}),
    ],
    ids=["mlflow-1", "mlflow-2", "no-env"],
)
def test_import_records_mlflow_facts(tmp_path: Path, env: object, expected: dict) -> None:
    src = _mlflow_folder(tmp_path / "m", env)
    model = vtsserving.mlflow.import_model(
        "local", src, labels={"team": "a", "n": 1}, metadata={"metrics": {"acc": 0.9}}
    )
    assert _files(Path(model.path_of(MLFLOW_MODEL_FOLDER))) == _files(src)
    info = vtsserving.models.get(model.tag).info
    assert info.module == "vtsserving.mlflow"
    assert info.labels == {"team": "a", "n": "1"}
    assert info.metadata == {"metrics": {"acc": 0.9}}
    opts = info.options
    assert opts["uri"] == str(src)
    assert opts["env"] == expected
    assert opts["run_id"] == "0123456789abcdef0123456789abcdef"
    assert opts["model_uuid"] == "f" * 32
    assert opts["mlflow_version"] == "1.30.0"
    assert set(opts["flavors"]) == {"python_function", "sklearn"}
    assert opts["signature"]["inputs"] == [{"name": "a", "type": "double"}]
    assert opts["requirements_txt"] == "requirements.txt"
    assert info.context.framework_name == "mlflow"
    assert info.signatures["predict"].batchable is False


def test_each_import_is_a_new_version_and_signatures_are_kept(tmp_path: Path) -> None:
    src = _mlflow_folder(tmp_path / "m", "conda.yaml")
    first = vtsserving.mlflow.import_model("twice", str(src))
    second = vtsserving.mlflow.import_model(
        "twice", src.as_uri(), signatures={"predict": {"batchable": True}}
    )
    assert first.tag.version != second.tag.version
    assert [m.tag for m in vtsserving.models.list("twice")] == [first.tag, second.tag]
    assert vtsserving.mlflow.get("twice").info.signatures["predict"].batchable is True


def _nothing_stored(home: Path) -> None:
    models = home / "models"
    left = (
        [p for p in models.rglob("*") if p.name not in (".tmp", ".lock")] if models.exists() else []
    )
    assert left == []


@pytest.mark.parametrize(
    ("signatures", "labels", "metadata", "match"),
    [
        ({"predict_proba": {}}, None, None, "only a 'predict' method"),
        ({"predict": {"batchable": "maybe"}}, None, None, "batchable"),
        (None, ["a"], None, "labels must be a mapping"),
        (None, None, "x", "metadata must be a mapping"),
    ],
)
def test_bad_arguments(
    tmp_path: Path, vts_home: Path, signatures, labels, metadata, match: str
) -> None:
    src = _mlflow_folder(tmp_path / "m", "conda.yaml")
    with pytest.raises(InvalidArgument, match=match):
        vtsserving.mlflow.import_model(
            "bad", src, signatures=signatures, labels=labels, metadata=metadata
        )
    _nothing_stored(vts_home)


def test_bad_folders(tmp_path: Path, vts_home: Path) -> None:
    no_pyfunc = _mlflow_folder(tmp_path / "np", None, flavors={"sklearn": {"pickled_model": "m"}})
    cases = [
        (str(tmp_path / "missing"), NotFound, "does not exist"),
        (str(no_pyfunc / "model.pkl"), InvalidArgument, "must be a folder"),
        (str(tmp_path), InvalidArgument, "no MLmodel file"),
        (str(no_pyfunc), InvalidArgument, "no python_function flavor (flavors: sklearn)"),
    ]
    for uri, error, match in cases:
        with pytest.raises(error) as info:
            vtsserving.mlflow.import_model("bad", uri)
        assert uri in str(info.value) and match in str(info.value)
    _nothing_stored(vts_home)


def test_get_refuses_a_model_of_another_framework(tmp_path: Path) -> None:
    from vtsserving.models import ModelContext, create

    with create(
        "other", module="vtsserving.sklearn", context=ModelContext(framework_name="sklearn")
    ):
        pass
    with pytest.raises(InvalidArgument, match="vtsserving.sklearn"):
        vtsserving.mlflow.get("other:latest")


def test_local_import_does_not_import_mlflow(tmp_path: Path) -> None:
    src = _mlflow_folder(tmp_path / "m", "conda.yaml")
    code = (
        "import sys, vtsserving; vtsserving.mlflow.import_model('x', sys.argv[1]);"
        "print(sorted(m for m in ('mlflow', 'pandas', 'torch', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(src)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
