"""`Image`: an image body as a `PIL.Image.Image` (Pillow is imported on first use)."""

from __future__ import annotations

import io
from typing import Any

from ..exceptions import BadInput, MissingDependency
from .base import IODescriptor

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/bmp": "BMP", "image/gif": "GIF"}


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise MissingDependency("Image needs Pillow: pip install 'vtsserving[image]'") from None
    return Image


class Image(IODescriptor):
    """`Image(pilmode=None, mime_type="image/jpeg")`: decoded with Pillow; returns an image or array."""

    accepts = ("image/*", "application/octet-stream")

    def __init__(self, pilmode: str | None = None, mime_type: str = "image/jpeg") -> None:
        self.pilmode = pilmode
        self.mime_type = mime_type
        super().__init__(pilmode=pilmode, mime_type=mime_type)

    @property
    def media_type(self) -> str:  # type: ignore[override]
        return self.mime_type

    def parse(self, body: bytes, content_type: str) -> Any:
        pil = _pil()
        try:
            image = pil.open(io.BytesIO(body))
            image.load()
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad data
            raise BadInput(f"the request body is not an image Pillow can read: {exc}") from None
        return image.convert(self.pilmode) if self.pilmode else image

    def render(self, obj: Any) -> tuple[bytes, str]:
        pil = _pil()
        if not isinstance(obj, pil.Image):
            import numpy as np

            obj = pil.fromarray(np.asarray(obj))
        fmt = _FORMATS.get(self.mime_type, "PNG")
        if fmt == "JPEG" and obj.mode not in ("RGB", "L"):
            obj = obj.convert("RGB")
        out = io.BytesIO()
        obj.save(out, format=fmt)
        return out.getvalue(), self.mime_type

    def openapi_content(self) -> dict[str, Any]:
        return {"image/*": {"schema": self.schema()}}

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "binary"}
