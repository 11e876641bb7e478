"""`Multipart`: a multipart/form-data body whose named parts each have their own descriptor."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ..exceptions import BadInput, InvalidArgument
from .base import IODescriptor

if TYPE_CHECKING:
    from starlette.requests import Request


class Multipart(IODescriptor):
    """`Multipart(image=Image(), meta=JSON())`: the API function gets one keyword per part."""

    media_type = "multipart/form-data"
    accepts = ("multipart/form-data",)

    def __init__(self, **fields: IODescriptor) -> None:
        if not fields:
            raise InvalidArgument("Multipart needs at least one named part")
        for name, field in fields.items():
            if not isinstance(field, IODescriptor) or isinstance(field, Multipart):
                raise InvalidArgument(f"Multipart part {name!r} must be a (non-multipart) descriptor")
        self.fields = fields
        super().__init__()

    def to_spec(self) -> dict[str, Any]:
        return {"id": "vtsserving.io.Multipart", "args": {k: v.to_spec() for k, v in self.fields.items()}}

    async def from_http_request(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            self.check_content_type(content_type or "none")
        # The server has read the whole body within its size limit: no part can be larger.
        body = await request.body()
        try:
            form = await request.form(max_part_size=max(len(body), 1))
        except Exception as exc:  # noqa: BLE001 - malformed multipart bodies raise various errors
            raise BadInput(f"the request body is not valid multipart/form-data: {exc}") from None
        unknown = sorted(set(form.keys()) - set(self.fields))
        missing = sorted(set(self.fields) - set(form.keys()))
        if unknown or missing:
            raise BadInput(f"multipart parts do not match: missing {missing}, unexpected {unknown}; expected {sorted(self.fields)}")
        values = {}
        for name, field in self.fields.items():
            part = form[name]
            if isinstance(part, str):
                values[name] = field.parse(part.encode(), field.media_type)
            else:
                values[name] = field.parse(await part.read(), part.content_type or field.media_type)
        return values

    def render(self, obj: Any) -> tuple[bytes, str]:
        if not isinstance(obj, dict) or set(obj) != set(self.fields):
            raise InvalidArgument(f"a Multipart output must be a dict with keys {sorted(self.fields)}")
        boundary = uuid.uuid4().hex
        chunks = []
        for name, field in self.fields.items():
            data, media_type = field.render(obj[name])
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
                f"Content-Type: {media_type}\r\n\r\n".encode() + data + b"\r\n"
            )
        chunks.append(f"--{boundary}--\r\n".encode())
        return b"".join(chunks), f"multipart/form-data; boundary={boundary}"

    def schema(self) -> dict[str, Any]:
        props = {name: field.schema() for name, field in self.fields.items()}
        return {"type": "object", "required": sorted(self.fields), "properties": props}

    def openapi_content(self) -> dict[str, Any]:
        encoding = {name: {"contentType": field.media_type} for name, field in self.fields.items()}
        return {self.media_type: {"schema": self.schema(), "encoding": encoding}}

    def components(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for field in self.fields.values():
            merged.update(field.components())
        return merged
