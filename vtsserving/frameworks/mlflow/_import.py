"""`import_model`, `get` and `load_model` for MLflow models."""

from __future__ import annotations

import os
from importlib import metadata as _metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...exceptions import InvalidArgument
from ...models import Model, ModelContext, create, get_for_module
from ...tag import Tag
from ._mlmodel import read_mlmodel
from ._uri import fetch_model

if TYPE_CHECKING:
    import mlflow.pyfunc

MODULE_NAME = "vtsserving.mlflow"
MLFLOW_MODEL_FOLDER = "mlflow_model"
_METHOD = "predict"
_DEFAULT_SIGNATURES: dict[str, Any] = {_METHOD: {"batchable": False}}


def import_model(
    name: str | Tag,
    model_uri: str | os.PathLike[str],
    *,
    signatures: dict[str, Any] | None = None,
    labels: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Model:
    """Copy the MLflow model at `model_uri` into the store as a new version of `name`."""
    uri = os.fspath(model_uri)
    if not isinstance(uri, str) or not uri:
        raise InvalidArgument(f"model_uri must be a non-empty path or URI, got {model_uri!r}")
    with create(
        name,
        module=MODULE_NAME,
        context=ModelContext(framework_name="mlflow", framework_versions=_mlflow_versions()),
        signatures=_check_signatures(signatures),
        labels=_mapping(labels, "labels"),
        metadata=_mapping(metadata, "metadata"),
    ) as model:
        folder = Path(model.path) / MLFLOW_MODEL_FOLDER
        fetch_model(uri, folder)
        model.info.options = read_mlmodel(folder, uri)
    return model


def get(tag: str | Tag | Model) -> Model:
    """The stored model for `tag`, checking that it was imported from MLflow."""
    return get_for_module(tag, MODULE_NAME)


def load_model(tag: str | Tag | Model) -> mlflow.pyfunc.PyFuncModel:
    """The imported model as an MLflow pyfunc model."""
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(get(tag).path_of(MLFLOW_MODEL_FOLDER))


def _check_signatures(signatures: dict[str, Any] | None) -> dict[str, Any]:
    if signatures is None:
        return dict(_DEFAULT_SIGNATURES)
    if not isinstance(signatures, dict):
        raise InvalidArgument(f"signatures must be a mapping, got {type(signatures).__name__}")
    unknown = sorted(set(signatures) - {_METHOD})
    if unknown:
        raise InvalidArgument(
            f"signatures: MLflow pyfunc models have only a {_METHOD!r} method, got {unknown}"
        )
    return signatures or dict(_DEFAULT_SIGNATURES)


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not hasattr(value, "items"):
        raise InvalidArgument(f"{what} must be a mapping, got {type(value).__name__}")
    return dict(value.items())


def _mlflow_versions() -> dict[str, str]:
    for dist in ("mlflow", "mlflow-skinny"):
        try:
            return {"mlflow": _metadata.version(dist)}
        except _metadata.PackageNotFoundError:
            continue
    return {}
