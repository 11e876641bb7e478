"""Adaptive batching: concurrent calls to a batchable method become one model call.

The dispatcher runs one batch at a time per runner. While a batch runs, new calls queue up,
and the next batch takes everything queued (up to `max_batch_size` rows): the batch size
follows the load and the measured cost of a call by itself. When the model is idle it waits
for more calls only while that is worth it: at most the measured fixed cost of a call, only
if calls arrive fast enough to expect another one in that time, and never past a caller's
`max_latency_ms`. A call that cannot finish within `max_latency_ms` (by the measured cost of
the queue ahead of it) is refused with `ServiceUnavailable` (HTTP 503 + Retry-After) instead
of waiting; a call larger than `max_batch_size` runs alone and counts with all its rows. A
queued call whose client has disconnected is dropped before the model sees it. A failed batch is
retried call by call, so one bad input fails only its caller.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ServiceUnavailable
from . import containers
from .admission import ClientGone

_MIN_SAMPLES = 5


@dataclass(eq=False)
class _Call:
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    rows: int | None  # None: cannot be merged, runs alone
    key: tuple[Any, ...]
    future: asyncio.Future[Any]
    cost_rows: int = 1  # rows for the cost estimate (an oversized call's own size)
    gone: Callable[[], bool] | None = None
    enqueued: float = field(default_factory=time.perf_counter)


class _CostModel:
    """Least-squares fit of call duration = fixed + per_row * rows over recent batches."""

    def __init__(self) -> None:
        self.samples: deque[tuple[int, float]] = deque(maxlen=64)
        self.fixed = 0.0
        self.per_row = 0.0

    def add(self, rows: int, seconds: float) -> None:
        self.samples.append((rows, seconds))
        n = len(self.samples)
        mean_x = sum(r for r, _ in self.samples) / n
        mean_y = sum(s for _, s in self.samples) / n
        var = sum((r - mean_x) ** 2 for r, _ in self.samples)
        if var > 0:
            cov = sum((r - mean_x) * (s - mean_y) for r, s in self.samples)
            self.per_row = max(cov / var, 0.0)
            self.fixed = max(mean_y - self.per_row * mean_x, 0.0)
        else:
            self.per_row = mean_y / max(mean_x, 1) / 2
            self.fixed = mean_y / 2

    @property
    def known(self) -> bool:
        return len(self.samples) >= _MIN_SAMPLES

    def cost(self, rows: int) -> float:
        return self.fixed + self.per_row * rows


class Batcher:
    """The queue and dispatcher of one batchable runner method, living on one event loop."""

    def __init__(
        self,
        call: Callable[..., Any],
        *,
        runner_name: str,
        method_name: str,
        input_dim: int,
        output_dim: int,
        max_batch_size: int,
        max_latency_ms: float,
        executor: Executor,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        from . import metrics

        self._call = call
        self.input_dim, self.output_dim = input_dim, output_dim
        self.max_batch_size = max(1, int(max_batch_size))
        self.max_latency = max_latency_ms / 1000
        self.executor = executor
        self.loop = loop
        self.cost = _CostModel()
        self._queue: deque[_Call] = deque()
        self._queued_rows = 0
        self._wakeup = asyncio.Event()
        self._busy_until = 0.0
        self._interarrival = 1.0
        self._last_arrival = 0.0
        labels = {"runner": runner_name, "method": method_name}
        self._m_batch = metrics.BATCH_SIZE.labels(**labels)
        self._m_wait = metrics.QUEUE_WAIT.labels(**labels)
        self._m_call = metrics.CALL_DURATION.labels(**labels)
        self._m_rejected = metrics.REJECTED.labels(**labels)
        self._m_dropped = metrics.DROPPED.labels(**labels)
        self._m_queued = metrics.QUEUE_LENGTH.labels(**labels)
        self._task = loop.create_task(self._dispatch_forever())

    # -- submitting -------------------------------------------------------------------------
    async def submit(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], gone: Callable[[], bool] | None = None
    ) -> Any:
        rows, key, cost_rows = self._describe(args, kwargs)
        self._admit(cost_rows)
        call = _Call(args, kwargs, rows, key, self.loop.create_future(), cost_rows, gone)
        self._note_arrival(call.enqueued)
        self._queue.append(call)
        self._queued_rows += cost_rows
        self._wakeup.set()
        return await call.future

    def _describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int | None, tuple, int]:
        """Mergeable rows (None: runs alone), merge key, and the rows the call costs."""
        if kwargs or not args:
            return None, (), 1
        sizes = [containers.batch_size_of(a, self.input_dim) for a in args]
        if None in sizes or len(set(sizes)) != 1:
            return None, (), 1
        if sizes[0] > self.max_batch_size:
            return None, (), sizes[0]
        return sizes[0], tuple(_compat_key(a, self.input_dim) for a in args), max(sizes[0], 1)

    def _admit(self, rows: int) -> None:
        """Refuse a call now if the work queued ahead of it cannot finish in max_latency."""
        if not self.cost.known:
            return
        now = time.perf_counter()
        ahead = max(self._busy_until - now, 0.0)
        total = self._queued_rows + rows
        full, rest = divmod(total, self.max_batch_size)
        expected = ahead + full * self.cost.cost(self.max_batch_size) + (rest and self.cost.cost(rest))
        if expected > self.max_latency:
            self._m_rejected.inc()
            retry = max(1, math.ceil(expected - self.max_latency))
            raise ServiceUnavailable(
                f"overloaded: about {expected * 1000:.0f} ms of work is queued, over the"
                f" {self.max_latency * 1000:.0f} ms limit; retry later",
                retry_after=retry,
            )

    def _note_arrival(self, now: float) -> None:
        if self._last_arrival:
            gap = min(now - self._last_arrival, 1.0)
            self._interarrival = 0.9 * self._interarrival + 0.1 * gap
        self._last_arrival = now

    # -- dispatching ------------------------------------------------------------------------
    async def _dispatch_forever(self) -> None:
        while True:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            await self._linger()
            batch = self._take()
            if batch:
                await self._run(batch)

    async def _linger(self) -> None:
        """Wait a little for more calls when the measured cost and arrival rate say it pays."""
        if not self.cost.known or self._queued_rows >= self.max_batch_size:
            return
        window = self.cost.fixed
        if self._interarrival > window:
            return
        oldest = self._queue[0].enqueued
        budget = self.max_latency - (time.perf_counter() - oldest) - self.cost.cost(self.max_batch_size)
        wait = min(window, budget)
        if wait > 0:
            await asyncio.sleep(wait)

    def _take(self) -> list[_Call]:
        """Calls for the next model call: the head of the queue and those that merge with it."""
        now = time.perf_counter()
        batch: list[_Call] = []
        keep: deque[_Call] = deque()
        rows = 0
        while self._queue:
            call = self._queue.popleft()
            if call.future.done():  # the caller went away
                self._queued_rows -= call.cost_rows
                continue
            if call.gone is not None and call.gone():
                self._queued_rows -= call.cost_rows
                self._m_dropped.inc()
                call.future.set_exception(ClientGone("the client disconnected before its call ran"))
                continue
            if now - call.enqueued > self.max_latency:
                self._queued_rows -= call.cost_rows
                self._m_rejected.inc()
                call.future.set_exception(
                    ServiceUnavailable("timed out waiting for the model", retry_after=1)
                )
                continue
            fits = (
                call.rows is not None
                and (not batch or (batch[0].rows is not None and call.key == batch[0].key))
                and rows + call.rows <= self.max_batch_size
            )
            if not batch or fits:
                batch.append(call)
                rows += call.cost_rows
                self._queued_rows -= call.cost_rows
                if call.rows is None:
                    break
            else:
                keep.append(call)
                if call.rows is None or rows >= self.max_batch_size:
                    break
        keep.extend(self._queue)
        self._queue = keep
        self._m_queued.set(len(keep))  # sampled once a batch, not on every call
        return batch

    async def _run(self, batch: list[_Call]) -> None:
        start = time.perf_counter()
        for call in batch:
            self._m_wait.observe(start - call.enqueued)
        rows = sum(c.cost_rows for c in batch)
        self._busy_until = start + (self.cost.cost(rows) if self.cost.known else 0.0)
        self._m_batch.observe(rows)
        try:
            results = await self.loop.run_in_executor(self.executor, self._call_batch, batch)
        except Exception as exc:  # noqa: BLE001 - handed to the callers
            if len(batch) > 1:
                for call in batch:  # isolate the call that failed
                    await self._run([call])
                return
            _settle(batch[0].future, exc=exc)
            return
        finally:
            self._busy_until = 0.0
        elapsed = time.perf_counter() - start
        self._m_call.observe(elapsed)
        self.cost.add(rows, elapsed)
        for call, result in zip(batch, results, strict=True):
            _settle(call.future, result=result)

    def _call_batch(self, batch: list[_Call]) -> list[Any]:
        if len(batch) == 1:
            return [self._call(*batch[0].args, **batch[0].kwargs)]
        merged = [
            containers.merge([c.args[i] for c in batch], self.input_dim)
            for i in range(len(batch[0].args))
        ]
        output = self._call(*merged)
        return containers.split(output, [c.rows for c in batch], self.output_dim)

    def shed(self, message: str = "server is shutting down") -> int:
        """Refuse every queued call with 503 + Retry-After; the number refused."""
        count = 0
        for call in self._queue:
            if not call.future.done():
                self._m_rejected.inc()
                count += 1
            _settle(call.future, exc=ServiceUnavailable(message, retry_after=1))
        self._queue.clear()
        self._queued_rows = 0
        self._m_queued.set(0)
        return count

    async def close(self) -> None:
        self._task.cancel()
        self.shed()


def _settle(future: asyncio.Future[Any], *, result: Any = None, exc: Exception | None = None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


def _compat_key(value: Any, dim: int) -> tuple[Any, ...]:
    """What must match for two payloads to be merged: type, dtype, other dims, columns."""
    kind = type(value)
    if isinstance(value, list):
        return (kind,)
    shape = value.shape[:dim] + value.shape[dim + 1 :]
    columns = getattr(value, "columns", None)
    if columns is not None:
        return (kind, shape, tuple(columns), tuple(value.dtypes))
    return (kind, shape, getattr(value, "dtype", None))
