"""`Text`: a plain text body as `str`."""

from __future__ import annotations

from typing import Any

from ..exceptions import BadInput
from .base import IODescriptor


class Text(IODescriptor):
    """UTF-8 text in, `str` out."""

    media_type = "text/plain"
    accepts = ("text/*",)

    def __init__(self, example: str | None = None) -> None:
        super().__init__(example=example)

    def parse(self, body: bytes, content_type: str) -> Any:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput(f"the request body is not UTF-8 text: {exc}") from None

    def render(self, obj: Any) -> tuple[bytes, str]:
        return str(obj).encode("utf-8"), "text/plain; charset=utf-8"

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}
