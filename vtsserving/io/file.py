"""`File`: raw bytes in and out, as a file-like object."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .base import IODescriptor


class File(IODescriptor):
    """`File(mime_type=None)`: the body as `io.BytesIO`; returns bytes, a file object or a path."""

    media_type = "application/octet-stream"
    accepts = ("*/*",)

    def __init__(self, mime_type: str | None = None) -> None:
        self.mime_type = mime_type
        super().__init__(mime_type=mime_type)

    def parse(self, body: bytes, content_type: str) -> Any:
        return io.BytesIO(body)

    def render(self, obj: Any) -> tuple[bytes, str]:
        if isinstance(obj, str | Path):
            data = Path(obj).read_bytes()
        elif hasattr(obj, "read"):
            data = obj.read()
        else:
            data = bytes(obj)
        return data, self.mime_type or self.media_type

    def openapi_content(self) -> dict[str, Any]:
        return {self.mime_type or self.media_type: {"schema": self.schema()}}

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "binary"}
