"""Prometheus metrics of the HTTP server, and the `/metrics` exposition of every metric.

With several workers each worker process sets `PROMETHEUS_MULTIPROC_DIR` (from its settings)
before it imports prometheus-client, so every process writes its samples to files there and
`/metrics` sums them (prometheus-client's multiprocess mode). The runners' own metrics are in
`vtsserving.runner.metrics`; they land in the same registry.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from ..runner.metrics import LATENCY_BUCKETS
from .settings import MULTIPROC_ENV

REQUESTS = Counter(
    "vts_http_requests_total", "HTTP requests answered, by route and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "vts_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
    ["route"], buckets=LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge(
    "vts_http_requests_in_flight", "Requests being handled now, by route.",
    ["route"], multiprocess_mode="livesum",
)


def render() -> tuple[bytes, str]:
    """The exposition text of this process, or of every worker in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """Drop the live gauges of a worker that exited (multiprocess mode only)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
