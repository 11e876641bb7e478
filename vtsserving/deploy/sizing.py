"""The documented rules that turn model size and CPU into probe budgets, workers and memory.

Startup. The server answers `/readyz` 503 until every worker has loaded its models. The startup
probe (on `/readyz`) must allow for that, so its budget is `STARTUP_FACTOR` times the load time:
the measured one when given (`--load-time`), else an estimate of `STARTUP_BASE_S` for Python, the
framework and the server plus the models' size read and unpickled at `LOAD_BYTES_PER_S`. Never
under `MIN_STARTUP_S`. Measured here: the iris image (MLflow + scikit-learn, 2 KiB model) is
ready 5-8 s after `docker run` on 2 busy cores; `STARTUP_BASE_S` leaves room for a slower node.

Memory. Every worker process loads every model, so memory grows with the worker count: per
worker `WORKER_BASE_BYTES` (measured here: 200 MiB per iris worker, two workers 404 MiB) plus
`MODEL_MEMORY_FACTOR` times the models' size on disk (unpickled objects are often larger than
their files, and a load briefly holds both).
"""

from __future__ import annotations

import math
from decimal import Decimal

from .quantity import MI

STARTUP_BASE_S = 20.0
LOAD_BYTES_PER_S = 50 * MI
STARTUP_FACTOR = 3
MIN_STARTUP_S = 60
PROBE_PERIOD_S = 5
WORKER_BASE_BYTES = 384 * MI
MODEL_MEMORY_FACTOR = 2
TERMINATION_MARGIN_S = 5


def estimated_load_time(model_bytes: int) -> float:
    """Seconds from container start to `/readyz` 200, estimated from the models' size."""
    return STARTUP_BASE_S + model_bytes / LOAD_BYTES_PER_S


def startup_budget(load_time: float, *, at_least: int | None = None) -> int:
    """Seconds the startup probe allows, a whole number of probe periods.

    `STARTUP_FACTOR` x load time and at least `MIN_STARTUP_S`; `at_least` (--startup-timeout)
    replaces that rule.
    """
    budget = at_least if at_least is not None else max(MIN_STARTUP_S, STARTUP_FACTOR * load_time)
    return math.ceil(round(budget / PROBE_PERIOD_S, 6)) * PROBE_PERIOD_S


def default_workers(cpu: Decimal) -> int:
    """One worker per whole CPU requested (at least one): more would only contend for the CPU."""
    return max(1, int(cpu))


def default_memory(workers: int, model_bytes: int) -> int:
    """Bytes of memory for `workers` processes that each hold every model, rounded up to 64 MiB."""
    need = workers * (WORKER_BASE_BYTES + MODEL_MEMORY_FACTOR * model_bytes)
    return math.ceil(need / (64 * MI)) * 64 * MI


def grace_period(graceful_timeout: float, prestop_sleep: int) -> int:
    """`terminationGracePeriodSeconds`: the preStop pause, then the server's graceful shutdown, then a margin."""
    return math.ceil(prestop_sleep + graceful_timeout) + TERMINATION_MARGIN_S
