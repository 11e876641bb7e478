"""Admission control of served runner methods: bounded queues, fast 503s, dropped calls, shedding."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from prometheus_client import REGISTRY

import vtsserving
from vtsserving.exceptions import ServiceUnavailable
from vtsserving.runner.admission import CLIENT_GONE, ClientGone


class Slow(vtsserving.Runnable):
    """Sleeps `delay` seconds a call; records what it ran."""

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.seen: list[int] = []

    @vtsserving.Runnable.method
    def work(self, x: int) -> int:
        self.seen.append(x)
        time.sleep(self.delay)
        return x * 2

    @vtsserving.Runnable.method(batchable=True, batch_dim=0)
    def rows(self, arr: np.ndarray) -> np.ndarray:
        self.seen.append(len(arr))
        time.sleep(self.delay + 0.0005 * len(arr))
        return arr


def _sample(name: str, runner: str, method: str) -> float:
    return REGISTRY.get_sample_value(name, {"runner": runner, "method": method}) or 0.0


async def _started(name: str, delay: float = 0.02, **kwargs) -> vtsserving.Runner:
    runner = vtsserving.Runner(Slow, name=name, runnable_init_params={"delay": delay}, **kwargs)
    runner.start(asyncio.get_running_loop())
    return runner


async def test_unbatched_overload_is_refused_at_once_with_retry_after():
    runner = await _started("adm-overload", delay=0.03, max_latency_ms=150)
    try:
        for i in range(4):  # learn the cost of a call
            await runner.work.async_run(i)
        before = _sample("vts_runner_rejected_total", "adm-overload", "work")
        start = time.perf_counter()
        tasks = [asyncio.ensure_future(runner.work.async_run(i)) for i in range(40)]
        await asyncio.sleep(0)
        refused_fast = [t for t in tasks if t.done() and isinstance(t.exception(), ServiceUnavailable)]
        assert time.perf_counter() - start < 0.05  # refused before any model call finished
        results = await asyncio.gather(*tasks, return_exceptions=True)
        served = [r for r in results if isinstance(r, int)]
        refused = [r for r in results if isinstance(r, ServiceUnavailable)]
        assert len(served) + len(refused) == 40
        assert 2 <= len(served) <= 10, len(served)  # about budget / cost of the calls, not all 40
        assert len(refused_fast) >= 25
        assert all(r.retry_after >= 1 for r in refused)
        assert _sample("vts_runner_rejected_total", "adm-overload", "work") - before == len(refused)
    finally:
        await runner.stop()


async def test_queued_calls_run_one_at_a_time_in_order():
    runner = await _started("adm-order", delay=0.005)
    try:
        outs = await asyncio.gather(*(runner.work.async_run(i) for i in range(20)))
        assert outs == [i * 2 for i in range(20)]
        assert runner.runnable.seen == list(range(20))
        assert _sample("vts_runner_queue_length", "adm-order", "work") == 0
        assert _sample("vts_runner_queue_wait_seconds_count", "adm-order", "work") >= 20
    finally:
        await runner.stop()


async def test_a_call_whose_client_left_never_reaches_the_model():
    runner = await _started("adm-gone", delay=0.05)
    try:
        left = {"gone": False}
        first = asyncio.ensure_future(runner.work.async_run(1))
        await asyncio.sleep(0.01)  # the model is busy with the first call
        next_up = asyncio.ensure_future(runner.work.async_run(9))  # handed to the model thread
        gone_next = asyncio.ensure_future(_as_gone(runner))  # handed too, but its client leaves

        async def abandoned() -> int:
            CLIENT_GONE.set(lambda: left["gone"])
            return await runner.work.async_run(2)

        second = asyncio.ensure_future(abandoned())
        third = asyncio.ensure_future(runner.work.async_run(3))
        await asyncio.sleep(0.01)
        left["gone"] = True  # its client disconnects while it waits
        assert await first == 2 and await next_up == 18 and await third == 6
        for abandoned_call in (second, gone_next):
            with pytest.raises(ClientGone):
                await abandoned_call
        assert runner.runnable.seen == [1, 9, 3]
        assert _sample("vts_runner_dropped_total", "adm-gone", "work") == 2
    finally:
        await runner.stop()


async def _as_gone(runner: vtsserving.Runner) -> int:
    CLIENT_GONE.set(lambda: True)
    return await runner.work.async_run(7)


async def test_batched_call_whose_client_left_is_dropped():
    runner = await _started("adm-gone-batch", delay=0.05)
    try:
        first = asyncio.ensure_future(runner.rows.async_run(np.ones((1, 1))))
        await asyncio.sleep(0.01)

        async def abandoned() -> np.ndarray:
            CLIENT_GONE.set(lambda: True)
            return await runner.rows.async_run(np.ones((7, 1)))

        with pytest.raises(ClientGone):
            await abandoned()
        await first
        assert 7 not in runner.runnable.seen
    finally:
        await runner.stop()


async def test_cancelled_waiter_leaves_the_queue_and_passes_its_turn():
    runner = await _started("adm-cancel", delay=0.03)
    try:
        first = asyncio.ensure_future(runner.work.async_run(1))
        await asyncio.sleep(0.005)
        next_up = asyncio.ensure_future(runner.work.async_run(9))
        second = asyncio.ensure_future(runner.work.async_run(2))
        third = asyncio.ensure_future(runner.work.async_run(3))
        await asyncio.sleep(0.005)
        second.cancel()
        assert await first == 2 and await next_up == 18 and await third == 6
        assert runner.runnable.seen == [1, 9, 3]
        assert runner.work.gate.queued == 0 and not runner.work.gate.busy
    finally:
        await runner.stop()


async def test_shed_answers_everything_queued_with_503():
    runner = await _started("adm-shed", delay=0.05)
    try:
        tasks = [asyncio.ensure_future(runner.work.async_run(i)) for i in range(5)]
        batched = [asyncio.ensure_future(runner.rows.async_run(np.ones((1, 1)))) for _ in range(3)]
        await asyncio.sleep(0.01)
        assert runner.shed() == 4  # all but the running call; the 3 batched ones merged into one
        results = await asyncio.gather(*tasks, *batched, return_exceptions=True)
        refused = [r for r in results if isinstance(r, ServiceUnavailable)]
        assert len(refused) == 4 and all(r.retry_after == 1 for r in refused)
        assert results[0] == 0  # the call already running finished
    finally:
        await runner.stop()


async def test_oversized_batch_calls_count_all_their_rows():
    runner = await _started("adm-rows", delay=0.002, max_batch_size=10, max_latency_ms=5000)
    try:
        for _ in range(4):
            await runner.rows.async_run(np.ones((200, 1)))  # 20x max_batch_size: runs alone
            await runner.rows.async_run(np.ones((1, 1)))
        cost = runner.rows.batcher.cost
        assert cost.per_row * 200 > 5 * cost.fixed  # its 200 rows, not "1 row", explain its time
        assert cost.cost(1) < 0.02  # so one small call is not believed to cost what 200 rows do
        small = await asyncio.gather(*(runner.rows.async_run(np.ones((1, 1))) for _ in range(20)))
        assert len(small) == 20  # nothing shed at this light load
    finally:
        await runner.stop()


async def test_sync_run_from_a_thread_goes_through_the_gate():
    runner = await _started("adm-sync", delay=0.03, max_latency_ms=100)
    try:
        for i in range(4):
            await runner.work.async_run(i)
        loop = asyncio.get_running_loop()
        results = await asyncio.gather(
            *(loop.run_in_executor(None, runner.work.run, i) for i in range(12)), return_exceptions=True
        )
        assert any(isinstance(r, ServiceUnavailable) for r in results)
        assert any(isinstance(r, int) for r in results)
    finally:
        await runner.stop()


async def test_a_call_handed_to_the_model_thread_is_still_dropped_if_its_client_leaves():
    runner = await _started("adm-gone-handed", delay=0.05)
    try:
        left = {"gone": False}
        first = asyncio.ensure_future(runner.work.async_run(1))
        await asyncio.sleep(0.01)

        async def handed() -> int:
            CLIENT_GONE.set(lambda: left["gone"])
            return await runner.work.async_run(2)  # waits in the model thread's own queue

        second = asyncio.ensure_future(handed())
        await asyncio.sleep(0.01)
        left["gone"] = True
        assert await first == 2
        with pytest.raises(ClientGone):
            await second
        assert runner.runnable.seen == [1]
        assert _sample("vts_runner_dropped_total", "adm-gone-handed", "work") == 1
    finally:
        await runner.stop()


class Cheap(vtsserving.Runnable):
    """`work` is cheap and records the thread it ran on; `hold` keeps the model thread busy."""

    def __init__(self) -> None:
        self.ran: list[tuple[int, str]] = []

    @vtsserving.Runnable.method
    def work(self, x: int) -> int:
        self.ran.append((x, threading.current_thread().name))
        return x * 2

    @vtsserving.Runnable.method
    def hold(self, seconds: float) -> float:
        time.sleep(seconds)
        return seconds


async def _cheap(name: str) -> vtsserving.Runner:
    runner = vtsserving.Runner(Cheap, name=name)
    runner.start(asyncio.get_running_loop())
    for i in range(8):  # measured cheap
        await runner.work.async_run(i)
    runner.runnable.ran.clear()
    return runner


async def test_a_cheap_method_runs_on_the_event_loop_and_a_slow_one_on_the_model_thread():
    runner = await _cheap("adm-inline")
    try:
        waits = _sample("vts_runner_queue_wait_seconds_count", "adm-inline", "work")
        assert await asyncio.gather(*(runner.work.async_run(i) for i in range(5))) == [0, 2, 4, 6, 8]
        loop_thread = threading.current_thread().name
        assert runner.runnable.ran == [(i, loop_thread) for i in range(5)]
        assert _sample("vts_runner_queue_wait_seconds_count", "adm-inline", "work") == waits + 5
        for _ in range(6):  # measured slow: back to the model thread
            await runner.hold.async_run(0.003)
        assert not runner.hold.gate.cheap and runner.work.gate.cheap
    finally:
        await runner.stop()


async def test_a_cheap_call_never_runs_beside_a_call_on_the_model_thread():
    runner = await _cheap("adm-inline-busy")
    try:
        held = asyncio.ensure_future(runner.hold.async_run(0.05))
        await asyncio.sleep(0.01)  # the model thread is busy with another method
        first = asyncio.ensure_future(runner.work.async_run(1))  # so this one is handed to it
        await asyncio.sleep(0)
        second = asyncio.ensure_future(runner.work.async_run(2))  # waits for `first`, then runs here
        assert await asyncio.gather(held, first, second) == [0.05, 2, 4]
        (x1, thread1), (x2, thread2) = runner.runnable.ran
        assert (x1, x2) == (1, 2)
        assert thread1.startswith(runner.thread_prefix) and thread2 == threading.current_thread().name
        assert runner.work.gate.queued == 0 and not runner.work.gate.busy
    finally:
        await runner.stop()


async def test_shed_refuses_cheap_calls_waiting_for_the_model_thread():
    runner = await _cheap("adm-inline-shed")
    try:
        held = asyncio.ensure_future(runner.hold.async_run(0.05))
        await asyncio.sleep(0.01)
        handed = asyncio.ensure_future(runner.work.async_run(1))
        await asyncio.sleep(0)
        waiting = asyncio.ensure_future(runner.work.async_run(2))
        await asyncio.sleep(0)
        before = _sample("vts_runner_rejected_total", "adm-inline-shed", "work")
        assert runner.shed() == 2
        results = await asyncio.gather(held, handed, waiting, return_exceptions=True)
        assert results[0] == 0.05
        assert all(isinstance(r, ServiceUnavailable) and r.retry_after == 1 for r in results[1:])
        assert runner.runnable.ran == []
        assert _sample("vts_runner_rejected_total", "adm-inline-shed", "work") == before + 2
    finally:
        await runner.stop()


async def test_a_cheap_call_whose_client_left_is_not_run():
    runner = await _cheap("adm-inline-gone")
    try:
        CLIENT_GONE.set(lambda: True)
        with pytest.raises(ClientGone):
            await runner.work.async_run(5)
        assert runner.runnable.ran == []
        assert _sample("vts_runner_dropped_total", "adm-inline-gone", "work") == 1
    finally:
        CLIENT_GONE.set(None)
        await runner.stop()
