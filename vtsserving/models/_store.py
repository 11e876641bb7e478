"""Functions over the local model store: list, get, delete, create, export, import."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from ..exceptions import InvalidArgument, VtsServingError
from ..store import ArchiveLimits
from ..tag import Tag
from ._index import model_store
from .model import (
    CUSTOM_OBJECTS_FILE,
    Model,
    ModelContext,
    ModelInfo,
    normalize_signatures,
)

_log = logging.getLogger(__name__)


def list_models(name: str | None = None) -> list[Model]:
    """`vtsserving.models.list()`: every model in the store, or every version of `name`, oldest first.

    A model whose `model.yaml` is invalid is left out with a warning naming the file.
    """
    models = []
    for item in model_store().list(name):
        try:
            models.append(Model.from_path(item.path))
        except VtsServingError as exc:
            _log.warning("skipping model %s: %s", item.tag, exc)
    return models


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


def export_model(
    tag: str | Tag, path: str | None = None, *, storage_options: dict[str, Any] | None = None
) -> str:
    """Write model `tag` as a `.tar.gz` to `path` (file, folder or URL; default: here)."""
    from ..store.archive import export_archive

    item = model_store().get(tag)
    return export_archive(item.path, path or os.getcwd(), storage_options=storage_options)


def import_model(
    path: str, *, overwrite: bool = False, storage_options: dict[str, Any] | None = None,
    limits: ArchiveLimits | None = None,
) -> Model:
    """Import a model archive written by `export_model`; an existing version is a Conflict.

    `limits` caps what the archive may unpack to (default `vtsserving.store.ArchiveLimits()`).
    """
    from ..store.archive import import_archive

    item = import_archive(
        model_store(),
        os.fspath(path),
        overwrite=overwrite,
        validate=_validate_model_info,
        storage_options=storage_options,
        limits=limits,
    )
    return Model.from_path(item.path)


def _validate_model_info(data: Any, where: str) -> Tag:
    return ModelInfo.from_data(data, where).tag


def get_for_module(tag: str | Tag | Model, module: str) -> Model:
    """`get`, checking that the model was saved by `module` (e.g. `vtsserving.sklearn`)."""
    model = tag if isinstance(tag, Model) else get(tag)
    if model.info.module != module:
        raise InvalidArgument(
            f"model {model.tag} was saved by {model.info.module!r}, not {module!r}:"
            f" load it with {model.info.module}.load_model"
        )
    return model
