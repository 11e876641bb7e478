"""Slow clients cannot starve a worker: a deadline for each request head, a cap on connections.

uvicorn waits for a request head as long as a client likes, so a thousand connections that send
a byte now and then hold a thousand sockets (and with the usual 1,024-file limit, every other
request fails). This protocol closes a connection whose request head is not complete within
`header_timeout`, and past `max_connections` it closes the connection that has waited longest
for its head (an idle newcomer when every other connection is busy). The body has its own
deadline in the app (`ApiServerConfig.body_timeout`).

On SIGTERM uvicorn closes idle keep-alive connections at once, so a client that sent its next
request just then reads an error. Here an idle connection stays open for `drain_idle` seconds:
its next request is served with `Connection: close`, as are the requests in flight. The first
connection told to shut down starts `DRAIN`, which tells the app (readiness, queued work).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class Drain:
    """The worker's shutdown has begun: callbacks registered by the app run once, at its start."""

    def __init__(self) -> None:
        self.started = False
        self._callbacks: list[Callable[[], None]] = []

    def on_start(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def remove(self, callback: Callable[[], None]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        for callback in self._callbacks:
            callback()


DRAIN = Drain()


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-head deadline, a connection cap and a drain."""

    def __init__(
        self, *args: Any, header_timeout: float, max_connections: int, drain_idle: float = 1.0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._max_connections = max_connections
        self._drain_idle = drain_idle
        self._draining = False
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
        if self._draining and self.cycle is not None:
            self.cycle.keep_alive = False  # the last request on this connection

    def shutdown(self) -> None:
        """Graceful shutdown: finish what is in flight, answer one more request if one comes."""
        DRAIN.start()
        if self.cycle is None or self.cycle.response_complete:
            if not self._draining:
                self._draining = True
                self.loop.call_later(self._drain_idle, self._close_if_idle)
        else:
            self.cycle.keep_alive = False

    def _close_if_idle(self) -> None:
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self._close()

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
