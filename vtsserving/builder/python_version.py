"""Which Python the image gets: the vtsfile's, else the MLflow models', else the builder's."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from ..exceptions import BuildError, ConfigError
from ..frameworks.mlflow import MLFLOW_MODEL_FOLDER
from ..models import Model
from .conda_env import python_version_of

SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
_VERSION = re.compile(r"^(\d+)\.(\d+)(\.\d+)?$")


def x_y(version: str, where: str) -> str:
    """`3.11.7` -> `3.11`; anything unsupported is an error naming `where`."""
    match = _VERSION.match(str(version).strip())
    if not match:
        raise ConfigError(f"{where}: Python version {version!r} is not X.Y; supported: {', '.join(SUPPORTED)}")
    value = f"{match.group(1)}.{match.group(2)}"
    if value not in SUPPORTED:
        raise ConfigError(f"{where}: Python {value} is not supported; use one of {', '.join(SUPPORTED)}")
    return value


def mlflow_model_dir(model: Model) -> Path | None:
    folder = Path(model.path) / MLFLOW_MODEL_FOLDER
    return folder if folder.is_dir() else None


def _model_python(folder: Path) -> str | None:
    env_file = folder / "python_env.yaml"
    if env_file.is_file():
        data = yaml.safe_load(env_file.read_text()) or {}
        if isinstance(data, dict) and data.get("python"):
            return str(data["python"])
    conda_file = folder / "conda.yaml"
    if conda_file.is_file():
        data = yaml.safe_load(conda_file.read_text()) or {}
        if isinstance(data, dict):
            return python_version_of(data)
    return None


def models_python(models: list[Model]) -> tuple[str, str] | None:
    """(`X.Y`, model tag) that the MLflow models were saved with; conflicts name both."""
    found: tuple[str, str] | None = None
    for model in models:
        folder = mlflow_model_dir(model)
        raw = _model_python(folder) if folder else None
        if raw is None:
            continue
        version = x_y(raw, f"model {model.tag} python_env.yaml")
        if found and found[0] != version:
            raise BuildError(
                f"models need different Python versions: {found[1]} has {found[0]},"
                f" {model.tag} has {version}; set docker.python_version in vtsfile.yaml"
            )
        found = found or (version, str(model.tag))
    return found


def resolve_python_version(requested: str | None, models: list[Model],
                           conda_env: dict | None = None) -> str:
    """docker.python_version, else the MLflow models', else the conda environment's, else ours."""
    if requested:
        return x_y(requested, "docker.python_version")
    from_models = models_python(models)
    if from_models:
        return from_models[0]
    from_conda = python_version_of(conda_env) if conda_env else None
    if from_conda:
        return x_y(from_conda, "conda environment python")
    return x_y(f"{sys.version_info.major}.{sys.version_info.minor}", "the building Python")
