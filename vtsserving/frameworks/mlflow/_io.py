"""The `/invocations` request and reply as IO descriptors: documented, passed to the protocol.

`MLflowScoringInput` hands the body and its Content-Type to `MLflowScoring` unread (MLflow's own
rules decide what is accepted) and documents the JSON formats the model's signature takes;
`MLflowScoringOutput` writes the protocol's reply with its own status and media type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ...io.base import IODescriptor, load_json
from ._schema import columns_input
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

    def __init__(self, signature: Any = None) -> None:
        self.columns = columns_input(signature.inputs if signature is not None else None)
        super().__init__()

    async def from_http_request(self, request: Request) -> ScoringRequest:
        return ScoringRequest(await request.body(), request.headers.get("content-type"))

    def parse(self, body: bytes, content_type: str) -> ScoringRequest:
        return ScoringRequest(body, content_type or None)

    def openapi_content(self) -> dict[str, Any]:
        return {JSON: {"schema": self.schema()}, CSV: {"schema": {"type": "string"}}}

    def schema(self) -> dict[str, Any]:
        formats: dict[str, Any] = dict.fromkeys(_FORMATS, {})
        if self.columns is not None:
            cols = self.columns
            props = {n: {"type": _JSON_TYPES.get(t, "string")} for n, t in zip(cols.names, cols.types, strict=True)}
            record = {"type": "object", "properties": props, "required": cols.required}
            formats = {
                "dataframe_split": {
                    "type": "object", "required": ["data"],
                    "properties": {
                        "columns": {"type": "array", "items": {"type": "string", "enum": cols.names}},
                        "data": {"type": "array", "items": {"type": "array"}},
                    },
                },
                "dataframe_records": {"type": "array", "items": record},
                "inputs": {
                    "type": "object", "required": cols.required,
                    "properties": {n: {"type": "array", "items": s} for n, s in props.items()},
                },
                "instances": {"type": "array", "items": record},
            }
        params = {"params": {"type": "object"}}
        return {
            "anyOf": [
                {"type": "object", "required": [k], "properties": {k: s, **params}}
                for k, s in formats.items()
            ]
        }


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
