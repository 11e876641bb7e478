"""An MLflow signature as named tensors, for tensor protocols (KServe's Open Inference Protocol).

`input_specs`/`output_specs` describe a schema as (name, numpy dtype, shape) triples;
`model_input` turns named arrays into what pyfunc `predict` takes for that schema (a DataFrame
for columns, an array or a dict of arrays for tensors); `named_outputs` turns a prediction into
named arrays. MLflow's own schema enforcement still checks the input when the model runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from ...exceptions import BadInput, UnprocessableEntity

PREDICTIONS = "predictions"


@dataclass(frozen=True)
class NamedTensor:
    """One input or output: its name, numpy dtype (`object` for text, bytes, dates) and shape."""

    name: str
    dtype: str
    shape: tuple[int, ...]


def input_specs(schema: Any) -> list[NamedTensor]:
    """The inputs a schema declares; unnamed ones are `input-0`, `input-1`, ..."""
    return _specs(schema, lambda i, n: f"input-{i}")


def output_specs(schema: Any) -> list[NamedTensor]:
    """The outputs a schema declares; one unnamed output is `predictions`."""
    return _specs(schema, lambda i, n: PREDICTIONS if n == 1 else f"{PREDICTIONS}-{i}")


def _specs(schema: Any, unnamed: Any) -> list[NamedTensor]:
    if schema is None:
        return []
    specs = list(schema.inputs)
    out = []
    for i, spec in enumerate(specs):
        name = spec.name if spec.name is not None else unnamed(i, len(specs))
        if schema.is_tensor_spec():
            out.append(NamedTensor(str(name), _dtype_name(spec.type), tuple(int(d) for d in spec.shape)))
        else:
            out.append(NamedTensor(str(name), _column_dtype(spec.type), (-1,)))
    return out


def _dtype_name(dtype: Any) -> str:
    import numpy as np

    dtype = np.dtype(dtype)
    return dtype.name if dtype.kind in "biuf" else "object"


def _column_dtype(kind: Any) -> str:
    to_numpy = getattr(kind, "to_numpy", None)
    return _dtype_name(to_numpy()) if callable(to_numpy) else "object"


def model_input(tensors: dict[str, Any], schema: Any) -> Any:
    """What pyfunc `predict` takes for `schema`, made of the request's named arrays."""
    if not tensors:
        raise BadInput("the request has no inputs")
    if schema is None or (schema.is_tensor_spec() and not schema.has_input_names()):
        if len(tensors) == 1:
            return next(iter(tensors.values()))
        if schema is not None:
            raise BadInput(f"the model takes one unnamed tensor; got {len(tensors)} inputs {sorted(tensors)}")
        return dict(tensors)
    if schema.is_tensor_spec():
        return dict(tensors)
    return _table(tensors, schema)


def _table(tensors: dict[str, Any], schema: Any) -> Any:
    import pandas as pd

    names = [spec.name for spec in schema.inputs]
    types = {spec.name: getattr(spec.type, "name", None) for spec in schema.inputs}
    columns: dict[Any, Any] = {}
    for i, (name, array) in enumerate(tensors.items()):
        key = name if schema.has_input_names() or i >= len(names) else i
        columns[key] = _column(array, types.get(name), name)
    try:
        return pd.DataFrame(columns)
    except ValueError as exc:
        raise BadInput(f"the inputs cannot form one table: {exc}") from None


def _column(array: Any, kind: str | None, name: str) -> Any:
    """One column: (N,) or (N, 1) as is, wider rows as one array a row; text decoded."""
    if array.ndim == 0:
        raise BadInput(f"input {name!r} is a scalar; expected one value a row")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim > 1:
        return list(array)
    if kind == "string" and array.dtype.kind in "OS":
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in array.tolist()]
    if kind == "binary" and array.dtype.kind in "OU":
        return [v.encode("utf-8") if isinstance(v, str) else v for v in array.tolist()]
    return array


def named_outputs(result: Any, schema: Any) -> dict[str, Any]:
    """A prediction as named arrays: a table's columns, a dict's keys, else one output."""
    import numpy as np

    pd = sys.modules.get("pandas")  # no DataFrame without it: not imported just to ask
    if pd is not None and isinstance(result, pd.DataFrame):
        return {str(c): result[c].to_numpy() for c in result.columns}
    specs = output_specs(schema)
    default = specs[0].name if len(specs) == 1 else PREDICTIONS
    if pd is not None and isinstance(result, pd.Series):
        return {str(result.name) if result.name is not None else default: result.to_numpy()}
    items = result.items() if isinstance(result, dict) else [(default, result)]
    try:
        return {str(k): np.asarray(v) for k, v in items}
    except ValueError as exc:
        raise UnprocessableEntity(f"the model's output is not a tensor: {exc}") from None
