"""`JSON`: any JSON document, or one validated by a pydantic model."""

from __future__ import annotations

from typing import Any

from .._validation import validation_message
from ..exceptions import BadInput, InvalidArgument
from .base import IODescriptor, dump_json, load_json


class JSON(IODescriptor):
    """`JSON(pydantic_model=None)`: the parsed document, or an instance of the model."""

    def __init__(self, pydantic_model: type | None = None, example: Any = None) -> None:
        if pydantic_model is not None and not hasattr(pydantic_model, "model_validate"):
            raise InvalidArgument("JSON(pydantic_model=...) needs a pydantic BaseModel subclass")
        self.pydantic_model = pydantic_model
        super().__init__(pydantic_model=pydantic_model, example=example)

    def parse(self, body: bytes, content_type: str) -> Any:
        return self.from_value(load_json(body))

    def from_value(self, data: Any) -> Any:
        if self.pydantic_model is None:
            return data
        from pydantic import ValidationError

        try:
            return self.pydantic_model.model_validate(data)
        except ValidationError as exc:
            raise BadInput(
                f"{validation_message(exc, top='body')} ({exc.error_count()} error(s) against"
                f" {self.pydantic_model.__name__})"
            ) from None

    def render(self, obj: Any) -> tuple[bytes, str]:
        return dump_json(obj), self.media_type

    def _model_schema(self) -> dict[str, Any]:
        from ._openapi30 import to_openapi30

        return to_openapi30(self.pydantic_model.model_json_schema(ref_template="#/components/schemas/{model}"))

    def schema(self) -> dict[str, Any]:
        if self.pydantic_model is None:
            return {}
        return {"$ref": f"#/components/schemas/{self.pydantic_model.__name__}"}

    def components(self) -> dict[str, Any]:
        if self.pydantic_model is None:
            return {}
        schema = dict(self._model_schema())
        defs = schema.pop("$defs", {})
        return {**defs, self.pydantic_model.__name__: schema}
