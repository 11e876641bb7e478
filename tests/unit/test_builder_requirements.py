"""Requirement files: nested -r/-c, merging MLflow models' pins, local-version pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtsserving.builder.requirements import (
    Requirements,
    local_version_pins,
    merge_model_requirements,
    read_requirements,
)
from vtsserving.exceptions import BuildError, ConfigError


def test_nested_files_options_and_constraints(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "main.txt").write_text(
        "# top\n-r sub/a.txt\n--requirement=sub/b.txt\n-csub/c.txt\n--extra-index-url https://x/simple\n"
        "requests>=2 \\\n  ; python_version >= '3.8'\npkg==1.0 --hash=sha256:abc\n-r main.txt\n")
    (tmp_path / "sub" / "a.txt").write_text("numpy  # inline comment\n-r b.txt\n")
    (tmp_path / "sub" / "b.txt").write_text("pandas\nnumpy\n")
    (tmp_path / "sub" / "c.txt").write_text("numpy<3\n")
    reqs = read_requirements(tmp_path / "main.txt")
    assert reqs.lines == ["numpy", "pandas", "requests>=2 ; python_version >= '3.8'",
                          "pkg==1.0 --hash=sha256:abc"]
    assert reqs.options == ["--extra-index-url https://x/simple"]
    assert reqs.constraints == ["numpy<3"]


def test_missing_nested_file_and_bad_line(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("-r nothere.txt\n")
    with pytest.raises(ConfigError, match="nothere.txt"):
        read_requirements(tmp_path / "r.txt")
    (tmp_path / "r.txt").write_text("numpy===\n")
    with pytest.raises(ConfigError, match="invalid requirement 'numpy==='"):
        read_requirements(tmp_path / "r.txt")


def test_merge_keeps_first_and_detects_conflicts() -> None:
    a = Requirements(lines=["scikit-learn==1.7.2", "numpy>=1.24"])
    b = Requirements(lines=["scikit-learn>=1.5", "numpy==2.3.5", "pandas"])
    assert merge_model_requirements([("model a", a), ("model b", b)]).lines == [
        "scikit-learn==1.7.2", "numpy>=1.24", "pandas"]
    c = Requirements(lines=["Scikit_Learn==1.5.0"])
    with pytest.raises(BuildError) as err:
        merge_model_requirements([("model a", a), ("model c", c)])
    assert "model a needs scikit-learn==1.7.2" in str(err.value)
    assert "model c needs Scikit_Learn==1.5.0" in str(err.value)


def test_local_version_pins() -> None:
    lines = ["torch==2.13.0+cpu", "torchvision==0.28.0", "jax==0.4.1+cuda12"]
    assert local_version_pins(lines, []) == ["torch==2.13.0+cpu", "jax==0.4.1+cuda12"]
    shipped = ["/w/torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl"]
    assert local_version_pins(lines, shipped) == ["jax==0.4.1+cuda12"]


def test_full_mlflow_becomes_skinny_with_the_same_pin_and_marker() -> None:
    from vtsserving.builder.requirements import use_mlflow_skinny

    lines = ["mlflow==3.17.2", "MLflow[extras]>=2.9; python_version >= '3.10'", "scikit-learn==1.9.1"]
    assert use_mlflow_skinny(lines) == [
        "mlflow-skinny==3.17.2",
        'mlflow-skinny[extras]>=2.9; python_version >= "3.10"',
        "scikit-learn==1.9.1",
    ]


def test_mlflow_skinny_false_keeps_the_full_package(tmp_path) -> None:
    from vtsserving.builder.config import PythonOptions
    from vtsserving.builder.python_env import plan_python

    keep = plan_python(PythonOptions(packages=["mlflow==3.17.2"], mlflow_skinny=False), [],
                       conda_used=False, python_version="3.11")
    slim = plan_python(PythonOptions(packages=["mlflow==3.17.2"]), [], conda_used=False,
                       python_version="3.11")
    assert keep.requirements.lines == ["mlflow==3.17.2"]
    assert slim.requirements.lines == ["mlflow-skinny==3.17.2", "pandas<4"]  # pyfunc imports pandas


def test_skinny_swap_keeps_skops_for_a_skops_saved_sklearn_model() -> None:
    from types import SimpleNamespace

    from vtsserving.builder.config import PythonOptions
    from vtsserving.builder.python_env import plan_python

    flavors = {"python_function": {}, "sklearn": {"serialization_format": "skops"}}
    model = SimpleNamespace(info=SimpleNamespace(options={"flavors": flavors}))
    plan = plan_python(PythonOptions(packages=["mlflow==3.17.2", "scikit-learn"]), [model],
                       conda_used=False, python_version="3.11")
    assert plan.requirements.lines == ["mlflow-skinny==3.17.2", "scikit-learn", "pandas<4", "skops<1"]


def test_images_get_only_what_serving_needs_from_vtsserving() -> None:
    from packaging.requirements import Requirement

    from vtsserving.builder.python_env import vtsserving_requirements

    names = {Requirement(line).name.lower() for line in vtsserving_requirements()}
    assert {"starlette", "uvicorn", "numpy", "cloudpickle"} <= names
    # build-only tools (issues #16, #19) and docker-py, which nothing imports, stay out of images
    assert not names & {"uv", "pip-tools", "cyclonedx-python-lib", "jinja2", "docker", "pip", "setuptools"}
