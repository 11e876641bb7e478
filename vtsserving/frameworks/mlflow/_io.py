"""The `/invocations` request and reply as IO descriptors: documented, passed to the protocol.

`MLflowScoringInput` hands the body and its Content-Type to `MLflowScoring` unread (MLflow's own
rules decide what is accepted) and documents the JSON formats the model's signature takes;
`MLflowScoringOutput` writes the protocol's reply with its own status and media type.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple

from ...io.base import IODescriptor, load_json
from ._schema import ColumnsInput, columns_input
from ._scoring import CSV, JSON, PARQUET, ScoringReply

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_JSON_TYPES = {
    "double": "number", "float": "number", "long": "integer", "integer": "integer",
    "boolean": "boolean", "string": "string", "binary": "string", "datetime": "string",
}


class ScoringRequest(NamedTuple):
    """An `/invocations` request as received: the body and its Content-Type (None if absent)."""

    body: bytes
    content_type: str | None


class MLflowScoringInput(IODescriptor):
    """The `/invocations` body: MLflow's JSON formats, CSV or Parquet, as MLflow reads them."""

    accepts = (JSON, CSV, PARQUET)

    def __init__(self, signature: Any = None, example: Any = None) -> None:
        # A callable is asked on first use: reading a signature imports MLflow (about a second per
        # worker), which a model loaded without MLflow need not pay before it is ready.
        self._signature = signature
        super().__init__()
        self.example = example  # MLflow's own: not checked by parsing (the protocol reads it)

    @functools.cached_property
    def _resolved(self) -> tuple[ColumnsInput | None, dict[str, Any]]:
        signature = self._signature() if callable(self._signature) else self._signature
        return columns_input(signature.inputs if signature is not None else None), _params_schema(signature)

    @property
    def columns(self) -> ColumnsInput | None:
        return self._resolved[0]

    @property
    def params(self) -> dict[str, Any]:
        return self._resolved[1]

    async def from_http_request(self, request: Request) -> ScoringRequest:
        return ScoringRequest(await request.body(), request.headers.get("content-type"))

    def parse(self, body: bytes, content_type: str) -> ScoringRequest:
        return ScoringRequest(body, content_type or None)

    def openapi_content(self) -> dict[str, Any]:
        content: dict[str, Any] = {JSON: {"schema": self.schema()}}
        example = self.example if self.example is not None else _split_example(self.columns)
        if example is not None:
            content[JSON]["example"] = example
        if self.columns is not None:
            content[CSV] = {"schema": _csv_schema(self.columns)}
        return content

    def error_content(self, status: int) -> dict[str, Any]:
        if status == 415:  # MLflow's scoring server answers it in plain text
            return {"text/plain": {"schema": {"type": "string"}}}
        return {JSON: {"schema": ERROR_SCHEMA}}

    def schema(self) -> dict[str, Any]:
        formats: dict[str, Any] = dict.fromkeys(_FORMATS, {})
        if self.columns is not None:
            formats = _column_formats(self.columns)
        return {
            "anyOf": [
                {"type": "object", "required": [k], "properties": {k: s, "params": self.params},
                 "additionalProperties": False}
                for k, s in formats.items()
            ]
        }


# MLflow's error body, which every error of the scoring API takes (`error_reply`).
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error_code", "message"],
    "properties": {
        "error_code": {"type": "string", "description": "MLflow's error code, e.g. BAD_REQUEST."},
        "message": {"type": "string", "description": "What was wrong."},
        "stack_trace": {"type": "string"},
        "request_id": {"type": "string"},
    },
}


def _column_formats(cols: ColumnsInput) -> dict[str, Any]:
    """MLflow's four JSON formats for named columns; at least one row (MLflow refuses none)."""
    props = {n: _json_type(t) for n, t in zip(cols.names, cols.types, strict=True)}
    record = {"type": "object", "properties": props, "required": cols.required, "additionalProperties": False}
    cell = _one_of_types(list(props.values()))
    return {
        "dataframe_split": {
            "type": "object", "required": ["columns", "data"], "additionalProperties": False,
            "properties": {
                "columns": {
                    "type": "array", "items": {"type": "string", "enum": cols.names}, "uniqueItems": True,
                    "minItems": len(cols.names), "maxItems": len(cols.names),
                },
                "data": {
                    "type": "array", "minItems": 1,
                    "items": {"type": "array", "items": cell,
                              "minItems": len(cols.names), "maxItems": len(cols.names)},
                },
            },
        },
        "dataframe_records": {"type": "array", "items": record, "minItems": 1},
        "inputs": {
            "description": "Records, one record, or one array per column (all of one length; a"
                           " form JSON Schema cannot bound, so not in this schema).",
            "anyOf": [{"type": "array", "items": record, "minItems": 1}, record],
        },
        "instances": {"type": "array", "items": record, "minItems": 1},
    }


def _json_type(mlflow_type: str) -> dict[str, Any]:
    return {"type": _JSON_TYPES.get(mlflow_type, "string")}


def _kind(schema: dict[str, Any]) -> str:
    return schema["type"]


def _one_of_types(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = {_kind(s) for s in schemas}
    if kinds <= {"number", "integer"}:
        return _json_type("long" if kinds == {"integer"} else "double")
    return {"anyOf": [{"type": k} for k in sorted(kinds)]} if len(kinds) > 1 else {"type": kinds.pop()}


def _params_schema(signature: Any) -> dict[str, Any]:
    """`params` as the signature declares them; MLflow ignores params a model does not declare."""
    declared = getattr(signature, "params", None)
    if declared is None:
        return {"description": "Ignored: the model's signature declares no params."}
    props = {p.name: _param_schema(p) for p in declared.params}
    return {"type": "object", "properties": props}


def _param_schema(param: Any) -> dict[str, Any]:
    item = _json_type(str(getattr(param.dtype, "name", param.dtype)))
    return {"type": "array", "items": item} if getattr(param, "shape", None) else item


_CSV_CELLS = {"number": r"-?[0-9]{1,6}(\.[0-9]{1,6})?", "integer": r"-?[0-9]{1,9}",
              "boolean": "(true|false)", "string": "[A-Za-z][A-Za-z0-9]{0,15}"}


def _csv_schema(cols: ColumnsInput) -> dict[str, Any]:
    """A header row naming every column, then one or more rows of values of their types."""
    cells = ",".join(_CSV_CELLS[_kind(_json_type(t))] for t in cols.types)
    header = ",".join(_regex_escape(n) for n in cols.names)
    return {"type": "string", "pattern": f"^{header}\n({cells}\n)+$"}


def _regex_escape(text: str) -> str:
    import re

    return re.escape(text)


def _split_example(cols: ColumnsInput | None) -> dict[str, Any] | None:
    """A one-row `dataframe_split` body of the signature's columns, when there is no saved example."""
    if cols is None:
        return None
    values = {"number": 1.0, "integer": 1, "boolean": True, "string": "text"}
    row = [values[_kind(_json_type(t))] for t in cols.types]
    return {"dataframe_split": {"columns": cols.names, "data": [row]}}


class MLflowScoringOutput(IODescriptor):
    """`{"predictions": ...}` (or MLflow's error body) with the status MLflow's server gives."""

    def to_http_response(self, obj: ScoringReply) -> Response:
        from starlette.responses import Response

        return Response(obj.body, status_code=obj.status, media_type=obj.media_type)

    def render(self, obj: ScoringReply) -> tuple[bytes, str]:
        return obj.body, obj.media_type

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["predictions"], "properties": {"predictions": {}}}

    def parse(self, body: bytes, content_type: str) -> Any:
        return load_json(body)
