"""The model store's location and a fast listing of it, importable without pydantic.

`vtsserving models list` reads only this: with thousands of models, validating every
`model.yaml` (and importing pydantic to do so) is what made listing slow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..home import models_dir
from ..store import Store, StoreItem, cached_yaml, folder_size, info_scalars
from ..tag import Tag

MODEL_YAML = "model.yaml"


def model_store(root: Path | None = None) -> Store:
    """The model store under `$VTSSERVING_HOME/models` (read afresh each call)."""
    return Store(root or models_dir(), "model", MODEL_YAML)


@dataclass(frozen=True)
class ModelSummary:
    """What a listing shows of one model, read without validating its `model.yaml`."""

    tag: Tag
    module: str | None  # None: model.yaml is invalid
    size: int
    creation_time: str
    path: str


def summaries(name: str | None = None) -> list[ModelSummary]:
    """One summary per stored model (or per version of `name`), fast with thousands of models.

    A scan of the top-level fields of each `model.yaml`; a full YAML parse only when the scan
    cannot tell.
    """
    return [_summary(item) for item in model_store().list(name)]


def _summary(item: StoreItem) -> ModelSummary:
    info = item.path / MODEL_YAML
    fields: Any = info_scalars(info) or {}
    if "module" not in fields or "creation_time" not in fields:
        data = cached_yaml(info)
        fields = data if isinstance(data, dict) else {}
    module, created = fields.get("module"), fields.get("creation_time")
    valid = isinstance(module, str)
    if isinstance(created, datetime):
        created = created.isoformat()
    return ModelSummary(
        tag=item.tag,
        module=module if valid else None,
        size=folder_size(item.path),
        creation_time=str(created or "") if valid else "",
        path=str(item.path),
    )
