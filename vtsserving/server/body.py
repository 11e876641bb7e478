"""Reading a request body once, with the server's size limit (413 past it) and timeout (408);
letting the runners see when the request's client has gone (`watch_client`); raw header look-ups."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import ClientDisconnect, Request

from ..exceptions import PayloadTooLarge, RequestTimeout
from ..runner.admission import CLIENT_GONE


def header(request: Request, name: bytes) -> str | None:
    """The value of header `name` (lower case), read from the ASGI scope without building
    Starlette's `Headers` (this is on every request's path)."""
    for key, value in request.scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def watch_client(request: Request) -> None:
    """Tell the runners (`CLIENT_GONE`) how to see that this request's client disconnected.

    uvicorn marks a request's cycle `disconnected` when its connection is lost; a queued runner
    call checks it before its model call. With another ASGI server nothing is set.
    """
    cycle: Any = getattr(request.receive, "__self__", None)
    if cycle is not None and hasattr(cycle, "disconnected"):
        CLIENT_GONE.set(lambda: cycle.disconnected)


async def read_body(request: Request, limit: int, timeout: float | None = None) -> bytes:
    """Read the body once, refusing it past `limit` bytes (413) or `timeout` seconds (408).

    The body is cached on the request. The timeout covers the whole body, so a client that
    sends a byte now and then cannot hold a worker's request slot; a body that has all arrived
    already (the usual small request) needs no timer.
    """
    if timeout is None or _arrived(request):
        return await _read(request, limit)
    deadline = _Deadline(timeout)
    try:
        return await _read(request, limit)
    except asyncio.CancelledError:
        if not deadline.expired:
            raise
        deadline.uncancel()
        raise RequestTimeout(f"the request body did not arrive within {timeout:g} s") from None
    finally:
        deadline.cancel()


def _arrived(request: Request) -> bool:
    """uvicorn has the whole body in its buffer, so reading it cannot wait for the client."""
    cycle: Any = getattr(request.receive, "__self__", None)
    return getattr(cycle, "more_body", True) is False


class _Deadline:
    """Cancels the current task after `seconds` (asyncio.timeout, which Python 3.10 lacks)."""

    def __init__(self, seconds: float) -> None:
        self.task = asyncio.current_task()
        self.expired = False
        self._handle = asyncio.get_running_loop().call_later(seconds, self._expire)

    def _expire(self) -> None:
        self.expired = True
        if self.task is not None:
            self.task.cancel()

    def uncancel(self) -> None:
        if self.task is not None and hasattr(self.task, "uncancel"):
            self.task.uncancel()

    def cancel(self) -> None:
        self._handle.cancel()


async def _read(request: Request, limit: int) -> bytes:
    length = header(request, b"content-length")
    if length and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"the request body is {length} bytes; the limit is {limit} bytes")
    chunks, size = [], 0
    receive = request.receive  # ASGI messages directly: Request.stream() is an async generator
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is over the {limit}-byte limit")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    request._body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return request._body
