"""Admission control for runner methods that are not batched: a bounded queue before the model.

A served runner calls its model on one thread, one call at a time. Without a bound, a server at
ten times its capacity queues calls until clients time out, then goes on computing answers nobody
reads. A `Gate` estimates, for each new call, how long it would wait for the model by the
measured cost of a call and the calls admitted before it. A call may wait at most half the
method's latency budget (`max_latency_ms / 2`: the rest is for the call itself and the HTTP
around it); one that would wait longer is refused at once with `ServiceUnavailable` (503 +
Retry-After). Admitted calls go straight to the model thread's queue (no hop back to the event
loop between calls); when its turn comes, a call that has waited past the limit anyway, whose
client has disconnected (`CLIENT_GONE`), or that `shed()` called off (a server draining on
SIGTERM) is dropped before it reaches the model.

A cheap method runs on the event loop itself: when most of its last eight calls took under
`INLINE_MAX_S` and the model thread has nothing to run, a call is made right there, with no
hand-off. For a one-row scikit-learn predict the hand-off to the thread and back cost about 70 us
of CPU a request (in-process A/B, the same requests: 354-374 us against 276-303 us), from the
hops and from two threads trading the GIL and the caches; a call that cheap holds the loop only
briefly, and while it runs no other call can arrive, so it never waits. When a method turns cheap
while calls of its own are on the thread, new calls wait for those to finish first (in order,
sheddable), so the thread drains instead of being fed forever. Slower calls stay on the thread,
where the loop keeps serving HTTP while the model works.
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from ..exceptions import ServiceUnavailable, VtsServingError

# Set by the server for each request: true once the request's client has disconnected.
CLIENT_GONE: ContextVar[Callable[[], bool] | None] = ContextVar("vts_client_gone", default=None)

_MIN_SAMPLES = 3
INLINE_MAX_S = 0.001  # a call this cheap runs on the event loop (see the module docstring)
_INLINE_WINDOW = 8


class ModelThread(ThreadPoolExecutor):
    """A runner's one model thread; it knows whether it has a call to run (`idle`)."""

    def __init__(self, name: str) -> None:
        super().__init__(1, thread_name_prefix=name)
        self._count_lock = threading.Lock()
        self._pending = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._count_lock:
            self._pending += 1
        try:
            return super().submit(self._counted, fn, args, kwargs)
        except BaseException:
            self._done()
            raise

    @property
    def idle(self) -> bool:
        """Nothing queued or running on the thread."""
        return not self._pending

    def _counted(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            self._done()

    def _done(self) -> None:
        with self._count_lock:
            self._pending -= 1


class ClientGone(VtsServingError):
    """The client disconnected before its call reached the model (nginx's 499)."""

    status_code = 499


class _Ticket:
    """A call handed to the model thread; called off there, before it starts, if no longer wanted."""

    __slots__ = ("done", "enqueued", "gone", "shed", "started")

    def __init__(self, gone: Callable[[], bool] | None, done: asyncio.Future[Any]) -> None:
        self.gone = gone
        self.done = done  # settled from the model thread, or by `shed()` before the call starts
        self.enqueued = time.perf_counter()
        self.shed = False
        self.started = False


class Gate:
    """The admission control of one unbatched runner method, living on one event loop."""

    def __init__(
        self,
        call: Callable[..., Any],
        *,
        runner_name: str,
        method_name: str,
        max_latency_ms: float,
        executor: Executor,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        from . import metrics

        self._call = call
        self.max_wait = max_latency_ms / 1000 / 2
        self.executor = executor
        self._thread = executor if isinstance(executor, ModelThread) else None  # None: never inline
        self.loop = loop
        self.cost = 0.0  # moving average of a model call's duration, seconds
        self.samples = 0
        self._started = 0.0  # when the model began its current call
        self._handed: set[_Ticket] = set()  # admitted, running or waiting for the model thread
        self._admitted = 0  # counted on the loop ...
        self._dequeued = 0  # ... and on the model thread: each counter has one writer
        self._last_queued = 0
        self._fast: deque[bool] = deque(maxlen=_INLINE_WINDOW)  # recent calls under INLINE_MAX_S
        self._fast_count = 0
        self._drain: asyncio.Future[bool] | None = None  # settled when no call of ours is on the thread
        self._draining = 0  # calls waiting for that
        labels = {"runner": runner_name, "method": method_name}
        self._m_wait = metrics.QUEUE_WAIT.labels(**labels)
        self._m_rejected = metrics.REJECTED.labels(**labels)
        self._m_dropped = metrics.DROPPED.labels(**labels)
        self._m_queued = metrics.QUEUE_LENGTH.labels(**labels)

    @property
    def queued(self) -> int:
        """Admitted calls the model thread has not taken up yet."""
        return self._admitted - self._dequeued

    @property
    def busy(self) -> bool:
        return bool(self._handed)

    async def submit(self, args: tuple[Any, ...], kwargs: dict[str, Any], gone: Callable[[], bool] | None = None) -> Any:
        """Run the call in its turn, or refuse it now (503) if it would wait too long for it."""
        if self._handed and self.samples >= _MIN_SAMPLES:
            self._admit()
        if self.cheap:
            start = time.perf_counter()
            if self._handed:
                await self._drained()
            if self.cheap and not self._handed and self._thread is not None and self._thread.idle:
                return self._inline(args, kwargs, gone, start)
        ticket = _Ticket(gone, self.loop.create_future())
        self._handed.add(ticket)
        self._admitted += 1
        try:
            work = self.executor.submit(self._timed, ticket, args, kwargs)
            work.add_done_callback(functools.partial(self._relay, ticket.done))
            result, elapsed = await ticket.done
        finally:
            self._handed.discard(ticket)
            if not self._handed and self._drain is not None:
                self._drain.set_result(False)
                self._drain = None
        self._measured(elapsed)
        return result

    @property
    def cheap(self) -> bool:
        """Most of the last calls were cheap enough to run on the event loop."""
        return self._fast_count * 2 > _INLINE_WINDOW

    def _admit(self) -> None:
        """Refuse the call (503) if the calls ahead of it would keep it waiting too long."""
        expected = self._expected_wait()
        if expected > self.max_wait:
            self._m_rejected.inc()
            raise ServiceUnavailable(
                f"overloaded: about {expected * 1000:.0f} ms of work is queued, over the"
                f" {self.max_wait * 1000:.0f} ms limit; retry later",
                retry_after=max(1, math.ceil(expected - self.max_wait)),
            )

    async def _drained(self) -> None:
        """Wait until no call of this gate is on the model thread; 503 if `shed()` came first."""
        if self._drain is None:
            self._drain = self.loop.create_future()
        self._draining += 1
        try:
            shed = await asyncio.shield(self._drain)
        finally:
            self._draining -= 1
        if shed:
            raise ServiceUnavailable("server is shutting down", retry_after=1)

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any], gone: Callable[[], bool] | None,
                arrived: float) -> Any:
        """The call, made here on the event loop (the model thread is idle)."""
        if gone is not None and gone():
            self._m_dropped.inc()
            raise ClientGone("the client disconnected before its call ran")
        start = time.perf_counter()
        self._m_wait.observe(start - arrived)
        result = self._call(*args, **kwargs)
        self._measured(time.perf_counter() - start)
        return result

    def _measured(self, elapsed: float) -> None:
        """Fold one call's duration into the cost estimate and the inline decision."""
        self.samples += 1
        self.cost = elapsed if self.samples == 1 else 0.8 * self.cost + 0.2 * elapsed
        fast = elapsed < INLINE_MAX_S
        if len(self._fast) == _INLINE_WINDOW:
            self._fast_count -= self._fast[0]
        self._fast.append(fast)
        self._fast_count += fast

    def _expected_wait(self) -> float:
        """Seconds a call admitted now would wait for the model, by the measured cost of a call."""
        running_left = max(self.cost - (time.perf_counter() - self._started), 0.0)
        return running_left + self.queued * self.cost

    def _relay(self, done: asyncio.Future[Any], work: Future[Any]) -> None:
        """From the model thread: settle the caller's future on the loop (unless settled already)."""
        self.loop.call_soon_threadsafe(_settle_from, done, work)

    def _timed(self, ticket: _Ticket, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, float]:
        """On the model thread: the call, unless no longer wanted, and its own duration."""
        start = time.perf_counter()
        self._dequeued += 1
        queued = self._admitted - self._dequeued
        if queued or self._last_queued:  # an idle server writes nothing
            self._m_queued.set(queued)
            self._last_queued = queued
        if ticket.shed or ticket.done.done():  # shed, or its caller was cancelled
            raise ServiceUnavailable("server is shutting down", retry_after=1)
        if ticket.gone is not None and ticket.gone():
            self._m_dropped.inc()
            raise ClientGone("the client disconnected before its call ran")
        waited = start - ticket.enqueued
        if waited > self.max_wait:
            self._m_rejected.inc()
            raise ServiceUnavailable("timed out waiting for the model", retry_after=1)
        ticket.started = True
        self._m_wait.observe(waited)
        self._started = start
        result = self._call(*args, **kwargs)
        return result, time.perf_counter() - start

    def shed(self, message: str = "server is shutting down") -> int:
        """Refuse every admitted call the model has not started with 503 + Retry-After; how many."""
        count = 0
        for ticket in list(self._handed):
            if not ticket.started and not ticket.shed:
                ticket.shed = True
                if not ticket.done.done():
                    ticket.done.set_exception(ServiceUnavailable(message, retry_after=1))
                self._m_rejected.inc()
                count += 1
        if self._drain is not None:
            self._drain.set_result(True)
            self._drain = None
            self._m_rejected.inc(self._draining)
            count += self._draining
        return count


def _settle_from(done: asyncio.Future[Any], work: Future[Any]) -> None:
    if done.done():
        return
    exc = work.exception()
    if exc is not None:
        done.set_exception(exc)
    else:
        done.set_result(work.result())


def submit_from_thread(target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Submit to a gate or batcher living on another thread's loop; wait for the result here."""
    gone = CLIENT_GONE.get()
    future = asyncio.run_coroutine_threadsafe(target.submit(args, kwargs, gone), target.loop)
    return future.result()
