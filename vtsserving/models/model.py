"""`Model`: one stored model folder and its `model.yaml`."""

from __future__ import annotations

import importlib
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._info import Labels, StoredFolder, load_info, validate_info
from .._validation import validation_message
from .._version import __version__
from ..exceptions import InvalidArgument
from ..tag import Tag
from ._index import MODEL_YAML

if TYPE_CHECKING:
    from ..runner import Runner

API_VERSION = "v1"
CUSTOM_OBJECTS_FILE = "custom_objects.pkl"


class ModelSignature(BaseModel):
    """How a model method may be called: batchable along `batch_dim` or one call at a time."""

    model_config = ConfigDict(extra="forbid")

    batchable: bool = False
    batch_dim: int | tuple[int, int] = 0
    input_spec: Any = None
    output_spec: Any = None


class ModelContext(BaseModel):
    """Versions of what saved the model, so a mismatch at load time can be explained."""

    model_config = ConfigDict(extra="allow")

    framework_name: str
    framework_versions: dict[str, str] = Field(default_factory=dict)
    vtsserving_version: str = __version__
    python_version: str = Field(default_factory=platform.python_version)


class ModelInfo(BaseModel):
    """The content of `model.yaml` (on-disk format: tests pin it)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    module: str
    labels: Labels = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    context: ModelContext
    signatures: dict[str, ModelSignature] = Field(default_factory=dict)
    api_version: str = API_VERSION
    creation_time: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def tag(self) -> Tag:
        return Tag(self.name, self.version)

    def to_dict(self) -> dict[str, Any]:
        """Plain data as written to `model.yaml` (also what `models get -o json` prints)."""
        data = self.model_dump(mode="json", exclude_none=False)
        data["creation_time"] = self.creation_time.isoformat()
        for sig in data["signatures"].values():
            for key in ("input_spec", "output_spec"):
                if sig.get(key) is None:
                    sig.pop(key, None)
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_file(cls, path: Path) -> ModelInfo:
        return load_info(cls, path, "model")

    @classmethod
    def from_data(cls, data: Any, where: str) -> ModelInfo:
        """Validate parsed `model.yaml` content; `where` names its source in errors."""
        return validate_info(cls, data, where)


def normalize_signatures(signatures: dict[str, Any] | None) -> dict[str, ModelSignature]:
    """Accept `{'predict': {'batchable': True}}` and friends; reject unknown keys clearly."""
    out: dict[str, ModelSignature] = {}
    for method, spec in (signatures or {}).items():
        if isinstance(spec, ModelSignature):
            out[method] = spec
            continue
        try:
            out[method] = ModelSignature.model_validate(spec or {})
        except ValidationError as exc:
            raise InvalidArgument(f"signatures[{method!r}].{validation_message(exc, top='signature')}") from None
    return out


class Model(StoredFolder):
    """A model in the store (or being saved): its tag, folder and `model.yaml` info."""

    kind = "model"
    info: ModelInfo

    @classmethod
    def from_path(cls, path: str | Path) -> Model:
        path = Path(path)
        return cls(path, ModelInfo.from_file(path / MODEL_YAML))

    @property
    def module(self) -> str:
        return self.info.module

    @property
    def custom_objects(self) -> dict[str, Any]:
        file = self._path / CUSTOM_OBJECTS_FILE
        if not file.is_file():
            return {}
        import cloudpickle

        with open(file, "rb") as f:
            return cloudpickle.load(f)

    def framework(self) -> Any:
        """The framework module that saved this model (`vtsserving.sklearn`, ...)."""
        try:
            return importlib.import_module(self.info.module)
        except ImportError as exc:
            raise InvalidArgument(
                f"model {self.tag} was saved by {self.info.module!r}, which cannot be imported: {exc}"
            ) from None

    def load_model(self) -> Any:
        return self.framework().load_model(self)

    def to_runner(
        self,
        name: str | None = None,
        *,
        max_batch_size: int | None = None,
        max_latency_ms: int | None = None,
        method_configs: dict[str, dict[str, Any]] | None = None,
    ) -> Runner:
        """A `Runner` that runs this model with its framework's Runnable."""
        from ..runner import Runner

        runnable = self.framework().get_runnable(self)
        return Runner(
            runnable,
            name=name or self.tag.name,
            models=[self],
            max_batch_size=max_batch_size,
            max_latency_ms=max_latency_ms,
            method_configs=method_configs,
        )

    def write_info(self) -> None:
        (self._path / MODEL_YAML).write_text(self.info.to_yaml())
