"""Prometheus metrics of the runners: batch sizes, queue waits, model call times, refusals.

They live here, not in the server, so a runner can record them wherever it runs; the server's
`/metrics` route exposes them with its own.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)

BATCH_SIZE = Histogram(
    "vts_runner_batch_size", "Rows in each model call made by the adaptive batcher.",
    ["runner", "method"], buckets=_BATCH_BUCKETS,
)
QUEUE_WAIT = Histogram(
    "vts_runner_queue_wait_seconds", "Time a call waited in the batch queue before its model call.",
    ["runner", "method"], buckets=LATENCY_BUCKETS,
)
CALL_DURATION = Histogram(
    "vts_runner_call_duration_seconds", "Duration of each model call (one batch).",
    ["runner", "method"], buckets=LATENCY_BUCKETS,
)
REJECTED = Counter(
    "vts_runner_rejected_total", "Calls refused with 503 because they could not be served in time.",
    ["runner", "method"],
)
