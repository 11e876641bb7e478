"""Functions over the local model store: list, get, delete, create."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..exceptions import InvalidArgument
from ..home import models_dir
from ..store import Store
from ..tag import Tag
from .model import (
    CUSTOM_OBJECTS_FILE,
    MODEL_YAML,
    Model,
    ModelContext,
    ModelInfo,
    normalize_signatures,
)


def model_store(root: Path | None = None) -> Store:
    """The model store under `$VTSSERVING_HOME/models` (read afresh each call)."""
    return Store(root or models_dir(), "model", MODEL_YAML)


def list(name: str | None = None) -> list[Model]:  # noqa: A001 - public API name
    """Every model in the store, or every version of `name`, oldest first."""
    return [Model.from_path(item.path) for item in model_store().list(name)]


def get(tag: str | Tag) -> Model:
    """The model for `name`, `name:latest`, `name:version` or a unique version prefix."""
    return Model.from_path(model_store().get(tag).path)


def delete(tag: str | Tag) -> Tag:
    """Delete one model version; returns the resolved tag."""
    return model_store().delete(tag).tag


@contextlib.contextmanager
def create(
    name: str | Tag,
    *,
    module: str,
    context: ModelContext,
    signatures: dict[str, Any] | None = None,
    labels: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> Iterator[Model]:
    """Yield a `Model` in a temporary folder; its files and `model.yaml` land atomically."""
    with model_store().create(name) as (tag, work):
        info = ModelInfo(
            name=tag.name,
            version=tag.version,
            module=module,
            labels=labels or {},
            options=options or {},
            metadata=metadata or {},
            context=context,
            signatures=normalize_signatures(signatures),
        )
        model = Model(work, info)
        yield model
        if custom_objects:
            import cloudpickle

            with open(work / CUSTOM_OBJECTS_FILE, "wb") as f:
                cloudpickle.dump(custom_objects, f)
        model.write_info()
    model._path = model_store().get(tag).path


def get_for_module(tag: str | Tag | Model, module: str) -> Model:
    """`get`, checking that the model was saved by `module` (e.g. `vtsserving.sklearn`)."""
    model = tag if isinstance(tag, Model) else get(tag)
    if model.info.module != module:
        raise InvalidArgument(
            f"model {model.tag} was saved by {model.info.module!r}, not {module!r}:"
            f" load it with {model.info.module}.load_model"
        )
    return model
