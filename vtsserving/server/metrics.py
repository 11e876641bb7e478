"""Prometheus metrics of the server and the runners.

With several workers the CLI sets `PROMETHEUS_MULTIPROC_DIR` before any worker starts, so each
process writes its samples to files there and `/metrics` sums them (prometheus-client's
multiprocess mode).
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

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)

REQUESTS = Counter(
    "vts_http_requests_total", "HTTP requests answered, by route and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "vts_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
    ["route"], buckets=_LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge(
    "vts_http_requests_in_flight", "Requests being handled now, by route.",
    ["route"], multiprocess_mode="livesum",
)
BATCH_SIZE = Histogram(
    "vts_runner_batch_size", "Rows in each model call made by the adaptive batcher.",
    ["runner", "method"], buckets=_BATCH_BUCKETS,
)
QUEUE_WAIT = Histogram(
    "vts_runner_queue_wait_seconds", "Time a call waited in the batch queue before its model call.",
    ["runner", "method"], buckets=_LATENCY_BUCKETS,
)
CALL_DURATION = Histogram(
    "vts_runner_call_duration_seconds", "Duration of each model call (one batch).",
    ["runner", "method"], buckets=_LATENCY_BUCKETS,
)
REJECTED = Counter(
    "vts_runner_rejected_total", "Calls refused with 503 because they could not be served in time.",
    ["runner", "method"],
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
