"""Slow clients cannot starve a worker: a deadline for each request head, a cap on connections.

uvicorn waits for a request head as long as a client likes, so a thousand connections that send
a byte now and then hold a thousand sockets (and with the usual 1,024-file limit, every other
request fails). This protocol closes a connection whose request head is not complete within
`header_timeout`, and past `max_connections` it closes the connection that has waited longest
for its head (an idle newcomer when every other connection is busy). The body has its own
deadline in the app (`ApiServerConfig.body_timeout`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-head deadline and a connection cap."""

    def __init__(self, *args: Any, header_timeout: float, max_connections: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._max_connections = max_connections
        self._head_timer: asyncio.TimerHandle | None = None
        self.waiting_since: float | None = None  # when this connection started waiting for a head

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_head()
        if len(self.connections) > self._max_connections:
            self._evict()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:  # a keep-alive connection's next request
            self._wait_for_head()

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _wait_for_head(self) -> None:
        self.waiting_since = time.monotonic()
        self._head_timer = self.loop.call_later(self._header_timeout, self._close)

    def _stop_waiting(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self.waiting_since = None

    def _close(self) -> None:
        self._stop_waiting()
        if not self.transport.is_closing():
            self.transport.close()

    def _evict(self) -> None:
        """Make room: close whoever has waited longest for a request head."""
        waiting = [c for c in self.connections if getattr(c, "waiting_since", None) is not None]
        victim = min(waiting, key=lambda c: c.waiting_since) if waiting else self
        victim._close()
