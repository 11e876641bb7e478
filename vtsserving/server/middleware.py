"""The outer ASGI app: metrics for every request, and a short path to the API endpoints.

API calls skip Starlette's router and exception middlewares (their endpoints answer every
error themselves) and the wrapper around `send` (the status is the response's own); everything
else goes through the Starlette app. Unknown paths share one
metrics label so label cardinality stays bounded.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from . import metrics

Endpoint = Callable[[Request], Awaitable[Any]]


class _RouteMetrics:
    __slots__ = ("in_flight", "latency", "route", "statuses")

    def __init__(self, route: str) -> None:
        self.route = route
        self.in_flight = metrics.IN_FLIGHT.labels(route)
        self.latency = metrics.LATENCY.labels(route)
        self.statuses: dict[tuple[str, int], Any] = {}

    def count(self, method: str, status: int) -> None:
        key = (method, status)
        child = self.statuses.get(key)
        if child is None:
            child = self.statuses[key] = metrics.REQUESTS.labels(self.route, method, str(status))
        child.inc()


class ServingApp:
    """Wraps the Starlette app; `apis` maps a POST path to its endpoint."""

    def __init__(self, app: Any, apis: dict[str, Endpoint], routes: set[str]) -> None:
        self.app = app
        self.state = app.state
        self.apis = apis
        self._metrics = {r: _RouteMetrics(r) for r in routes | set(apis) | {"other"}}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        route = self._metrics.get(path) or self._metrics["other"]
        endpoint = self.apis.get(path)
        status = 500
        start = time.perf_counter()
        route.in_flight.inc()
        try:
            if endpoint is not None and scope["method"] == "POST":
                scope["app"] = self.app
                response = await endpoint(Request(scope, receive))
                status = response.status_code
                await response(scope, receive, send)
            else:

                async def send_wrapper(message: dict[str, Any]) -> None:
                    nonlocal status
                    if message["type"] == "http.response.start":
                        status = message["status"]
                    await send(message)

                await self.app(scope, receive, send_wrapper)
        finally:
            route.in_flight.dec()
            route.latency.observe(time.perf_counter() - start)
            route.count(scope["method"], status)
