"""Prometheus metrics of the runners: batch sizes, queue lengths and waits, call times, shed calls.

They live here, not in the server, so a runner can record them wherever it runs; the server's
`/metrics` route exposes them with its own.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)

BATCH_SIZE = Histogram(
    "vts_runner_batch_size", "Rows in each model call made by the adaptive batcher.",
    ["runner", "method"], buckets=_BATCH_BUCKETS,
)
QUEUE_WAIT = Histogram(
    "vts_runner_queue_wait_seconds", "Time a call waited in the runner's queue before its model call.",
    ["runner", "method"], buckets=LATENCY_BUCKETS,
)
CALL_DURATION = Histogram(
    "vts_runner_call_duration_seconds", "Duration of each batched model call (one batch).",
    ["runner", "method"], buckets=LATENCY_BUCKETS,
)
REJECTED = Counter(
    "vts_runner_rejected_total", "Calls refused with 503: over the latency budget, timed out in the queue, or shut down.",
    ["runner", "method"],
)
DROPPED = Counter(
    "vts_runner_dropped_total", "Queued calls dropped because their client disconnected.",
    ["runner", "method"],
)
QUEUE_LENGTH = Gauge(
    "vts_runner_queue_length", "Calls waiting in the runner's queue now.",
    ["runner", "method"], multiprocess_mode="livesum",
)
