"""MLflow's scoring protocol: the `/invocations` request and response bodies as IO descriptors.

`vtsserving serve mlflow-model:TAG` (or `vtsserving.mlflow.service(TAG)` in a service file) serves
`POST /invocations` as `mlflow models serve` does: JSON with `dataframe_split`,
`dataframe_records`, `instances` or `inputs` (plus optional `params`), or a CSV body; the answer
is `{"predictions": ...}`. The model's MLflow signature gives the OpenAPI schema and checks
input (column names, types, tensor shape) before the model sees it: a mismatch is a 400.
Numeric tables whose columns share one type travel as numpy arrays, so the batcher merges
them cheaply; the runner gives them the signature's column names.
"""

from __future__ import annotations

from typing import Any

from ...exceptions import BadInput
from ...io.base import IODescriptor, dump_json, load_json
from ._schema import NUMPY_TYPES, columns_input, tensor_of

_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_JSON_TYPES = {
    "double": "number", "float": "number", "long": "integer", "integer": "integer",
    "boolean": "boolean", "string": "string", "binary": "string", "datetime": "string",
}


class ScoringRequest:
    """Parsed `/invocations` body: the model input and MLflow `params`."""

    __slots__ = ("data", "params")

    def __init__(self, data: Any, params: dict[str, Any] | None) -> None:
        self.data, self.params = data, params


class MLflowScoringInput(IODescriptor):
    """The `/invocations` request body, checked against the model's MLflow signature."""

    accepts = ("application/json", "text/csv")

    def __init__(self, signature: Any = None) -> None:
        schema = signature.inputs if signature is not None else None
        self.columns = columns_input(schema)
        self.tensor = tensor_of(schema)
        super().__init__()

    def parse(self, body: bytes, content_type: str) -> ScoringRequest:
        if content_type.split(";")[0].strip().lower() == "text/csv":
            import io

            import pandas as pd

            try:
                return ScoringRequest(self._table(pd.read_csv(io.BytesIO(body))), None)
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadInput(f"the request body is not valid CSV: {exc}") from None
        doc = load_json(body)
        if not isinstance(doc, dict):
            raise BadInput(f"expected a JSON object with one of the keys {list(_FORMATS)}")
        keys = [k for k in _FORMATS if k in doc]
        if len(keys) != 1 or len(doc) != 1 + ("params" in doc):
            raise BadInput(
                f"expected a JSON object with exactly one of {list(_FORMATS)} (and optional"
                f" 'params'); got keys {sorted(doc)}"
            )
        params = doc.get("params")
        if params is not None and not isinstance(params, dict):
            raise BadInput("'params' must be a JSON object")
        key = keys[0]
        value = doc[key]
        if key == "dataframe_split":
            data = self._split(value)
        elif key == "dataframe_records":
            data = self._records(value)
        else:
            data = self._tensor(value)
        return ScoringRequest(data, params or None)

    # -- formats ------------------------------------------------------------------------------
    def _split(self, value: Any) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise BadInput('dataframe_split expects {"columns": [...], "data": [[...], ...]}')
        columns = value.get("columns")
        rows = value["data"]
        if columns is None and self.columns is not None:
            columns = self.columns.names
        if not isinstance(columns, list) or not all(isinstance(r, list) for r in rows):
            raise BadInput('dataframe_split expects "columns" (a list of names) and "data" (a list of rows)')
        bad = [i for i, r in enumerate(rows) if len(r) != len(columns)]
        if bad:
            raise BadInput(f"dataframe_split row {bad[0]} has {len(rows[bad[0]])} values; expected {len(columns)}")
        if self.columns is not None and columns == self.columns.names and self.columns.dtype:
            return self._fast_rows(rows)
        import pandas as pd

        return self._table(pd.DataFrame(rows, columns=[str(c) for c in columns]))

    def _records(self, value: Any) -> Any:
        import pandas as pd

        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise BadInput("dataframe_records expects a list of JSON objects (one a row)")
        if self.columns is not None and self.columns.dtype:
            names = self.columns.names
            if all(len(r) == len(names) and all(n in r for n in names) for r in value):
                return self._fast_rows([[r[n] for n in names] for r in value])
        return self._table(pd.DataFrame.from_records(value))

    def _tensor(self, value: Any) -> Any:
        import numpy as np

        if self.columns is not None:
            if isinstance(value, dict):
                import pandas as pd

                try:
                    return self._table(pd.DataFrame(value))
                except ValueError as exc:
                    raise BadInput(f"inputs cannot be read as a table: {exc}") from None
            if isinstance(value, list) and value and all(isinstance(r, list) for r in value):
                bad = [i for i, r in enumerate(value) if len(r) != len(self.columns.names)]
                if bad:
                    raise BadInput(
                        f"row {bad[0]} has {len(value[bad[0]])} values; expected"
                        f" {len(self.columns.names)} ({', '.join(self.columns.names)})"
                    )
                if self.columns.dtype:
                    return self._fast_rows(value)
                import pandas as pd

                return self._table(pd.DataFrame(value, columns=self.columns.names))
            raise BadInput(f"expected a list of rows of {len(self.columns.names)} values, or an object of columns")
        if isinstance(value, dict):
            return value  # named tensors: the model takes the dict as is
        if self.tensor is None:
            return value
        try:
            array = np.asarray(value, dtype=self.tensor.dtype)
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadInput(f"input cannot be read as a tensor of {self.tensor.dtype}: {exc}") from None
        shape = self.tensor.shape
        if array.ndim != len(shape) or any(e not in (-1, s) for s, e in zip(array.shape, shape, strict=False)):
            raise BadInput(f"tensor has shape {list(array.shape)}; the model signature expects {list(shape)} (-1: any)")
        return array

    def _fast_rows(self, rows: list[list[Any]]) -> Any:
        import numpy as np

        if not rows:
            raise BadInput("the input has no rows")
        try:
            array = np.asarray(rows, dtype=self.columns.dtype)
        except (ValueError, TypeError, OverflowError):
            raise BadInput(
                f"values must be of type {self.columns.types[0]} for columns {self.columns.names}"
            ) from None
        if array.ndim != 2:
            raise BadInput(f"expected rows of {len(self.columns.names)} scalar values")
        if array.dtype.kind == "f" and np.count_nonzero(np.isnan(array)):
            raise BadInput(f"null or NaN values: the model signature expects {self.columns.types[0]} in every column")
        return array

    def _table(self, frame: Any) -> Any:
        """Check a DataFrame's columns and types against the signature."""
        if self.columns is None:
            return frame
        cols = self.columns
        missing = [c for c in cols.required if c not in frame.columns]
        extra = [str(c) for c in frame.columns if c not in cols.names]
        if missing or extra:
            raise BadInput(f"columns do not match the model signature: missing {missing}, unexpected {extra}; expected {cols.names}")
        if frame.empty:
            raise BadInput("the input has no rows")
        for name, kind in zip(cols.names, cols.types, strict=True):
            if name in frame.columns and kind in NUMPY_TYPES:
                try:
                    frame[name] = frame[name].astype(NUMPY_TYPES[kind])
                except (ValueError, TypeError, OverflowError):
                    raise BadInput(f"column {name!r} must hold {kind} values") from None
                if name in cols.required and frame[name].isna().any():
                    raise BadInput(f"column {name!r} has null or NaN values; the model signature expects {kind}")
        return frame[[c for c in cols.names if c in frame.columns]]

    # -- schema -------------------------------------------------------------------------------
    def schema(self) -> dict[str, Any]:
        params = {"params": {"type": "object"}}
        if self.columns is not None:
            cols = self.columns
            props = {n: {"type": _JSON_TYPES.get(t, "string")} for n, t in zip(cols.names, cols.types, strict=True)}
            row = {"type": "array", "items": {}, "minItems": len(cols.names), "maxItems": len(cols.names)}
            record = {"type": "object", "properties": props, "required": cols.required, "additionalProperties": False}
            formats = {
                "dataframe_split": {
                    "type": "object", "required": ["columns", "data"],
                    "properties": {
                        "columns": {"type": "array", "items": {"type": "string", "enum": cols.names}},
                        "data": {"type": "array", "items": row, "minItems": 1},
                    },
                },
                "dataframe_records": {"type": "array", "items": record, "minItems": 1},
                "inputs": {"type": "array", "items": row, "minItems": 1},
                "instances": {"type": "array", "items": row, "minItems": 1},
            }
        else:
            formats = {k: {} for k in _FORMATS}
        return {
            "oneOf": [
                {"type": "object", "required": [k], "properties": {k: s, **params}, "additionalProperties": False}
                for k, s in formats.items()
            ]
        }


class MLflowScoringOutput(IODescriptor):
    """`{"predictions": ...}` as MLflow's scoring server writes it."""

    def render(self, obj: Any) -> tuple[bytes, str]:
        if hasattr(obj, "to_dict") and hasattr(obj, "columns"):
            obj = obj.to_dict(orient="records")
        elif hasattr(obj, "tolist"):
            obj = obj.tolist()
        return dump_json({"predictions": obj}), self.media_type

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["predictions"], "properties": {"predictions": {}}}

    def parse(self, body: bytes, content_type: str) -> Any:
        return load_json(body)
