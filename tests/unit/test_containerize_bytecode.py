"""What the image compiles and leaves out (issue #19): the serving-module list, read without
running user code, the package pruning, and the docker options that turn each step off."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from vtsserving.containerize import DockerOptions, write_docker_files
from vtsserving.containerize import bytecode as bc
from vtsserving.containerize.dockerfile import render_dockerfile
from vtsserving.containerize.prune import IGNORED_REQUIRERS, UNUSED_BY_SERVING


class Local:
    """A class pickled by reference, as a model's estimator is."""


def test_pickle_modules_names_the_classes_without_unpickling(tmp_path: Path) -> None:
    from collections import OrderedDict
    from decimal import Decimal

    path = tmp_path / "model.pkl"
    for protocol in (2, 4, 5):
        path.write_bytes(pickle.dumps({"a": OrderedDict(x=Decimal("1")), "b": Local}, protocol=protocol))
        assert {"collections", "decimal", __name__} <= bc.pickle_modules(path), protocol
    # a stream that stops being a pickle (joblib's raw arrays) keeps what was read before
    path.write_bytes(pickle.dumps(OrderedDict(), protocol=4)[:-1] + b"\xff\x00garbage")
    assert "collections" in bc.pickle_modules(path)
    path.write_bytes(b"not a pickle")
    assert bc.pickle_modules(path) == set()


def test_sklearn_pickle_names_its_estimator_module(tmp_path: Path) -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(sklearn.LogisticRegression().fit([[0.0], [1.0]], [0, 1])))
    assert "sklearn.linear_model._logistic" in bc.pickle_modules(path)


def _mlflow_model(root: Path, fmt: str) -> Path:
    model = root / "models" / "iris" / "v1"
    (model / "mlflow_model").mkdir(parents=True)
    (model / "model.yaml").write_text("name: iris\nversion: v1\nmodule: vtsserving.mlflow\n")
    file = "model.skops" if fmt == "skops" else "model.pkl"
    (model / "mlflow_model" / "MLmodel").write_text(
        "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: " + file
        + f"\n  sklearn:\n    pickled_model: {file}\n    serialization_format: {fmt}\n")
    if fmt == "skops":
        schema = {"__class__": "LogisticRegression", "__module__": "sklearn.linear_model._logistic",
                  "content": {"coef_": {"__class__": "ndarray", "__module__": "numpy"}}}
        with zipfile.ZipFile(model / "mlflow_model" / file, "w") as archive:
            archive.writestr("schema.json", json.dumps(schema))
    else:
        (model / "mlflow_model" / file).write_bytes(pickle.dumps(Local))
    return root


@pytest.mark.parametrize("fmt", ["skops", "cloudpickle", "pickle"])
def test_serving_modules_of_an_mlflow_model(tmp_path: Path, fmt: str) -> None:
    names = bc.serving_modules(_mlflow_model(tmp_path, fmt))
    assert names == sorted(set(names))
    assert set(bc.SERVING_STACK) | set(bc.MLFLOW_MODULES) | {"mlflow.sklearn"} <= set(names)
    if fmt == "skops":
        assert {"skops.io", "sklearn.linear_model._logistic", "numpy"} <= set(names)
        assert set(bc.LAZY_MODULES["sklearn"]) <= set(names)  # sklearn reads DataFrames via narwhals
    else:
        assert __name__ in names and "cloudpickle" in names


def test_the_list_ignores_the_service_code_and_goes_into_the_vts(tmp_path: Path) -> None:
    """The venv layer's input: the same models give the same list, whatever the code says."""
    vts = _mlflow_model(tmp_path / "vts", "skops")
    (vts / "src").mkdir()
    (vts / "src" / "service.py").write_text("import torch, xgboost\n")
    (vts / "env" / "python").mkdir(parents=True)
    before = bc.serving_modules(vts)
    (vts / "src" / "service.py").write_text("import tensorflow\n")
    assert bc.serving_modules(vts) == before and "torch" not in before
    write_docker_files(vts, DockerOptions(), python_version="3.11", conda=False)
    listed = (vts / "env" / "python" / bc.SERVING_MODULES_FILE).read_text().split()
    assert listed == before
    dockerfile = (vts / "env" / "docker" / "Dockerfile").read_text()
    assert "env/python/serving-modules.txt" in dockerfile  # copied in before the deps install


def _third_party(code: str) -> set[str]:
    """Modules (not stdlib, not vtsserving) that a fresh interpreter has after running `code`."""
    script = code + (
        "\nimport sys\nprint('\\n'.join(n for n in sys.modules if n.split('.')[0] not in sys.stdlib_module_names"
        " and not n.startswith(('vtsserving', '_'))))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    return set(out.stdout.split())


def test_serving_stack_covers_what_vtsserving_serve_imports() -> None:
    """Whatever VtsServing's server and CLI import (and uvicorn loads by name at start) is in the
    closure of SERVING_STACK: add a new dependency of the server there, or it runs from source."""
    served = _third_party(
        "import vtsserving, vtsserving.cli, vtsserving.server.app, vtsserving.io, vtsserving.runner\n"
        "import uvicorn\n"
        "cfg = uvicorn.Config(app=lambda *a: None, loop='uvloop', http='httptools', lifespan='on')\n"
        "cfg.load()"
    )
    listed = _third_party("import importlib\n" + "".join(
        f"try:\n    importlib.import_module({name!r})\nexcept BaseException:\n    pass\n" for name in bc.SERVING_STACK))
    # MLflow and scikit-learn come with the models; torch only where a model needs it
    missing = sorted(n for n in served - listed if n.split(".")[0] not in {"mlflow", "sklearn", "torch", "scipy"})
    assert not missing, f"add to vtsserving.containerize.bytecode.SERVING_STACK: {missing[:20]}"


def _render(tmp_path: Path, **options: object) -> str:
    from test_dockerfile import make_vts

    vts = make_vts(tmp_path / "vts")
    return render_dockerfile(vts, DockerOptions(**options), python_version="3.11", conda=False)


def test_options_switch_each_step_off(tmp_path: Path) -> None:
    default = _render(tmp_path / "a")
    assert "VTS_STRIP=1 " in default and "VTS_PRUNE_PACKAGES=1 " in default and "VTS_BYTECODE" not in default
    kept = _render(tmp_path / "b", bytecode="all", prune_packages=False, strip=False)
    assert "VTS_BYTECODE=all " in kept and "VTS_PRUNE_PACKAGES" not in kept and "VTS_STRIP" not in kept
    assert "binutils" in default and "binutils" not in kept
    with pytest.raises(ValueError):
        DockerOptions(bytecode="some")


def _prune_script(tmp_path: Path) -> str:
    from test_dockerfile import make_vts

    vts = make_vts(tmp_path / "vts")
    write_docker_files(vts, DockerOptions(), python_version="3.11", conda=False)
    text = (vts / "env" / "python" / "install.sh").read_text()
    start = text.index("\n", text.index('unused="$("$VENV/bin/python" - "$HERE" <<\'PY\'')) + 1
    return text[start:text.index("\nPY\n", start)]


def _dist(site: Path, name: str, *requires: str) -> None:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    lines = [f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"] + [f"Requires-Dist: {r}\n" for r in requires]
    (info / "METADATA").write_text("".join(lines))


@pytest.mark.parametrize("with_packaging", [True, False])
def test_prune_drops_only_what_nothing_else_needs(tmp_path: Path, with_packaging: bool) -> None:
    site, here = tmp_path / "site", tmp_path / "env"
    site.mkdir()
    here.mkdir()
    if with_packaging:
        import packaging

        shutil.copytree(Path(packaging.__file__).parent, site / "packaging")
    _dist(site, "mlflow-skinny", "gitpython", "databricks-sdk", "python-dotenv", "sqlparse")
    _dist(site, "databricks-sdk", "google-auth", "requests")
    _dist(site, "google-auth", "cryptography", "pyasn1-modules")
    _dist(site, "cryptography", "cffi")
    _dist(site, "cffi", "pycparser")
    for name in ("pycparser", "pyasn1-modules", "gitpython", "python-dotenv", "sqlparse", "requests"):
        _dist(site, name)
    _dist(site, "paramiko", "cryptography", 'pytest; extra == "test"')  # another user of cryptography
    _dist(site, "skops", "prettytable")
    _dist(site, "prettytable", "wcwidth")
    _dist(site, "wcwidth")
    (here / "requirements.txt").write_text("--index-url https://x.invalid/simple\nmlflow-skinny==3.1\nPython_Dotenv>=1\n")
    script = tmp_path / "prune.py"
    script.write_text(_prune_script(tmp_path))
    runner = "import sys; sys.path[:0] = [sys.argv.pop(1)]; sys.argv = sys.argv[1:]; exec(open(sys.argv[0]).read())"
    out = subprocess.run([sys.executable, "-S", "-c", runner, str(site), str(script), str(here)],
                         capture_output=True, text=True, check=True, timeout=60)
    # paramiko keeps cryptography (and so cffi, pycparser); the requirements name python-dotenv
    assert out.stdout.split() == ["gitpython", "google-auth", "prettytable", "pyasn1-modules", "wcwidth"]
    _dist(site, "mlflow", "mlflow-skinny")  # the full package asked for: nothing is pruned
    out = subprocess.run([sys.executable, "-S", "-c", runner, str(site), str(script), str(here)],
                         capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == []
    assert set(IGNORED_REQUIRERS).isdisjoint(UNUSED_BY_SERVING)
