"""Adaptive batching inside a Runner: merging, splitting, ordering, isolation, overload."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pandas as pd
import pytest

import vtsserving
from vtsserving.exceptions import InternalError, ServiceUnavailable
from vtsserving.runner import containers


class Recorder(vtsserving.Runnable):
    """Adds 1000 * batch size so each caller can see how many rows its call ran with."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[int] = []

    @vtsserving.Runnable.method(batchable=True, batch_dim=0)
    def tag(self, arr):
        self.calls.append(len(arr))
        if self.delay:
            time.sleep(self.delay)
        if isinstance(arr, np.ndarray) and (arr < 0).any():
            raise ValueError("negative input")
        if isinstance(arr, list):
            return [v + 1000 * len(arr) for v in arr]
        return arr + 1000 * len(arr)

    @vtsserving.Runnable.method(batchable=True, batch_dim=0)
    def wrong_length(self, arr):
        return arr[:1]

    @vtsserving.Runnable.method
    def single(self, x):
        return x * 2

    @vtsserving.Runnable.method
    def where(self):
        return threading.current_thread().name


def _runner(delay=0.0, **kwargs) -> vtsserving.Runner:
    return vtsserving.Runner(Recorder, name="rec", runnable_init_params={"delay": delay}, **kwargs)


async def _started(runner, **kwargs):
    runner.start(asyncio.get_running_loop(), **kwargs)
    return runner


async def test_concurrent_calls_merge_and_split_in_order():
    runner = await _started(_runner(delay=0.02))
    try:
        inputs = [np.full((1 + i % 3, 2), i, dtype=float) for i in range(30)]
        outs = await asyncio.gather(*(runner.tag.async_run(x) for x in inputs))
        for x, out in zip(inputs, outs, strict=True):
            assert out.shape == x.shape
            batch = out[0, 0] // 1000
            np.testing.assert_array_equal(out - 1000 * batch, x)  # its own rows, in order
        assert max(runner.runnable.calls) > 3
        assert sum(runner.runnable.calls) == sum(len(x) for x in inputs)
    finally:
        await runner.stop()


async def test_max_batch_size_is_respected():
    runner = await _started(_runner(delay=0.01, max_batch_size=4))
    try:
        await asyncio.gather(*(runner.tag.async_run(np.ones((1, 1))) for _ in range(20)))
        assert max(runner.runnable.calls) <= 4
    finally:
        await runner.stop()


async def test_one_bad_call_fails_only_its_caller():
    runner = await _started(_runner(delay=0.01))
    try:
        inputs = [np.array([[1.0]]), np.array([[-1.0]]), np.array([[2.0]])] * 4
        results = await asyncio.gather(*(runner.tag.async_run(x) for x in inputs), return_exceptions=True)
        for x, r in zip(inputs, results, strict=True):
            if x[0, 0] < 0:
                assert isinstance(r, ValueError)
            else:
                assert r[0, 0] % 1000 == x[0, 0]
    finally:
        await runner.stop()


async def test_a_result_that_cannot_be_split_is_retried_call_by_call():
    runner = await _started(_runner(delay=0.0))
    try:
        gate = threading.Event()
        runner.executor.submit(gate.wait)  # hold the model thread so calls queue up
        calls = [runner.wrong_length.async_run(np.full((2, 1), i)) for i in range(3)]
        tasks = [asyncio.ensure_future(c) for c in calls]
        await asyncio.sleep(0.05)
        gate.set()
        results = await asyncio.gather(*tasks)
        # the merged result (1 row for 6) cannot be split: each call then runs alone
        assert [r.tolist() for r in results] == [[[0]], [[1]], [[2]]]
    finally:
        await runner.stop()


async def test_different_shapes_are_not_merged():
    runner = await _started(_runner(delay=0.01))
    try:
        a, b = np.ones((1, 2)), np.ones((1, 3))
        outs = await asyncio.gather(*(runner.tag.async_run(x) for x in [a, b] * 5))
        assert [o.shape for o in outs] == [(1, 2), (1, 3)] * 5
    finally:
        await runner.stop()


async def test_dataframes_and_lists_batch_too():
    runner = await _started(_runner(delay=0.01))
    try:
        frames = [pd.DataFrame({"x": [i, i]}) for i in range(6)]
        outs = await asyncio.gather(*(runner.tag.async_run(f) for f in frames))
        for i, out in enumerate(outs):
            assert list(out["x"] % 1000) == [i, i]
            assert list(out.index) == [0, 1]
        lists = await asyncio.gather(*(runner.tag.async_run([i]) for i in range(5)))
        assert [r[0] % 1000 for r in lists] == list(range(5))
        assert all(len(r) == 1 for r in lists)
    finally:
        await runner.stop()


async def test_sync_run_from_a_thread_goes_through_the_batcher():
    runner = await _started(_runner(delay=0.02))
    try:
        loop = asyncio.get_running_loop()
        outs = await asyncio.gather(
            *(loop.run_in_executor(None, runner.tag.run, np.full((1, 1), i)) for i in range(12))
        )
        assert [int(o[0, 0] % 1000) for o in outs] == list(range(12))
        assert max(runner.runnable.calls) > 1
    finally:
        await runner.stop()


async def test_overload_is_refused_with_retry_after():
    runner = await _started(_runner(delay=0.05, max_batch_size=1, max_latency_ms=120))
    try:
        for _ in range(6):  # learn the cost of a call
            await runner.tag.async_run(np.ones((1, 1)))
        results = await asyncio.gather(
            *(runner.tag.async_run(np.full((1, 1), i)) for i in range(10)), return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, ServiceUnavailable)]
        served = [r for r in results if isinstance(r, np.ndarray)]
        assert refused and served
        assert all(r.retry_after >= 1 for r in refused)
        assert len(refused) + len(served) == 10
    finally:
        await runner.stop()


async def test_batching_off_and_non_batchable_methods_run_directly():
    runner = await _started(_runner(delay=0.01), batching=False)
    try:
        outs = await asyncio.gather(*(runner.tag.async_run(np.ones((1, 1))) for _ in range(5)))
        assert all(o[0, 0] == 1001 for o in outs)
        assert await runner.single.async_run(3) == 6
    finally:
        await runner.stop()


def test_init_local_runs_without_batching():
    runner = _runner()
    runner.init_local()
    assert runner.tag.run(np.ones((2, 1)))[0, 0] == 2001
    assert asyncio.run(runner.single.async_run(4)) == 8


def test_configure_overrides_code_per_runner_and_method():
    runner = _runner(max_batch_size=10, max_latency_ms=100, method_configs={"tag": {"max_batch_size": 5}})
    assert runner.tag.max_batch_size == 5 and runner.single.max_batch_size == 10
    runner.configure(max_batch_size=20, methods={"tag": {"max_latency_ms": 7}})
    assert runner.single.max_batch_size == 20
    assert runner.tag.max_latency_ms == 7


def test_containers_split_refuses_wrong_lengths():
    with pytest.raises(InternalError, match="cannot split"):
        containers.split(np.ones((3, 1)), [2, 2], 0)
    merged = containers.merge([np.ones((1, 2)), np.zeros((2, 2))], 0)
    parts = containers.split(merged, [1, 2], 0)
    assert parts[0].tolist() == [[1, 1]] and parts[1].tolist() == [[0, 0], [0, 0]]
    assert containers.batch_size_of({"a": 1}, 0) is None
    left, right = containers.split((np.arange(3), [7, 8, 9]), [1, 2], 0)
    assert left[0].tolist() == [0] and left[1] == [7] and right[1] == [8, 9]


async def test_served_methods_run_on_the_one_model_thread():
    runner = await _started(_runner())
    try:
        loop = asyncio.get_running_loop()
        names = await asyncio.gather(
            runner.where.async_run(), loop.run_in_executor(None, runner.where.run)
        )
        assert all(n.startswith("vts-runner-rec") for n in names), names
    finally:
        await runner.stop()
