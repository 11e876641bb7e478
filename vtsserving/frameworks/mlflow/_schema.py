"""What an imported model's MLflow signature says about its input (for runners and IO).

`mlflow_signature(model)` is MLflow's own `ModelSignature`; `input_columns(model)` and
`input_tensor(model)` are plain summaries the serving side can use without MLflow types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...models import Model

if TYPE_CHECKING:
    import mlflow.models


@dataclass(frozen=True)
class ColumnsInput:
    """A model that takes named columns: their names, MLflow types and which are required."""

    names: list[str]
    types: list[str]
    required: list[str]


@dataclass(frozen=True)
class TensorInput:
    """A model that takes one unnamed tensor: its numpy dtype and shape (-1 = any size)."""

    dtype: str
    shape: tuple[int, ...]


def mlflow_signature(model: Model | Any) -> mlflow.models.ModelSignature | None:
    """The MLflow signature of an imported model (or of a pyfunc model), None if it has none."""
    if hasattr(model, "metadata") and hasattr(model.metadata, "get_input_schema"):
        return model.metadata.signature
    from mlflow.models import Model as MLflowModel

    from ._import import MLFLOW_MODEL_FOLDER, get

    return MLflowModel.load(get(model).path_of(MLFLOW_MODEL_FOLDER)).signature


def input_columns(model: Model | Any) -> list[str] | None:
    """Column names the model's input schema declares, in order; None if it names none."""
    signature = mlflow_signature(model)
    return columns_of(signature.inputs if signature else None)


def input_tensor(model: Model | Any) -> TensorInput | None:
    """The dtype and shape of a single-tensor input schema; None for any other schema."""
    signature = mlflow_signature(model)
    return tensor_of(signature.inputs if signature else None)


def _names_columns(schema: Any) -> bool:
    return schema is not None and not schema.is_tensor_spec() and schema.has_input_names()


def columns_of(schema: Any) -> list[str] | None:
    """The column names of a column-based schema, when every name is a string."""
    if not _names_columns(schema):
        return None
    names = schema.input_names()
    return [str(n) for n in names] if all(isinstance(n, str) for n in names) else None


def columns_input(schema: Any) -> ColumnsInput | None:
    """Names, types and required columns of a column-based schema; None for any other."""
    if not _names_columns(schema):
        return None
    names = [str(c.name) for c in schema.inputs]
    return ColumnsInput(
        names=names,
        types=[str(getattr(c.type, "name", c.type)) for c in schema.inputs],
        required=[n for n, c in zip(names, schema.inputs, strict=True) if getattr(c, "required", True)],
    )


def tensor_of(schema: Any) -> TensorInput | None:
    """The dtype and shape of a schema made of one unnamed tensor; None for any other."""
    if schema is None or not schema.is_tensor_spec() or len(schema.inputs) != 1:
        return None
    spec = schema.inputs[0]
    return TensorInput(dtype=str(spec.type), shape=tuple(int(d) for d in spec.shape))
