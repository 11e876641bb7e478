"""Adaptive batching over HTTP: merged model calls, each caller gets its own rows, 503 on overload."""

from __future__ import annotations

import asyncio
import re

import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow


async def _call(client: httpx.AsyncClient, route: str, i: int) -> tuple[list, httpx.Response]:
    rows = [[float(i), float(i * 10 + k)] for k in range(1 + i % 3)]
    return rows, await client.post(route, json=rows)


async def _burst(url: str, route: str, n: int) -> list[tuple[list, httpx.Response]]:
    limits = httpx.Limits(max_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        return await asyncio.gather(*(_call(client, route, i) for i in range(n)))


@pytest.mark.parametrize("route", ["/batched", "/batched_sync"])
def test_concurrent_callers_get_their_own_rows(descriptors_server, route):
    results = asyncio.run(_burst(descriptors_server.url, route, 48))
    batch_sizes = []
    for rows, response in results:
        assert response.status_code == 200, response.text
        got = np.asarray(response.json())
        assert got[:, :2].tolist() == rows  # its own rows, in order
        batch_sizes.append(int(got[0, 2]))
    assert max(batch_sizes) > 3, batch_sizes  # calls were merged
    metrics = httpx.get(descriptors_server.url + "/metrics").text
    count = re.search(r'vts_runner_batch_size_count\{method="tag_rows",runner="echo"\} (\S+)', metrics)
    assert count and float(count.group(1)) < 48 * 2
    assert 'vts_runner_queue_wait_seconds_bucket{le="0.001",method="tag_rows",runner="echo"}' in metrics


def test_overload_gets_503_with_retry_after_never_wrong_rows(serve, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("runners:\n  echo:\n    max_batch_size: 2\n    max_latency_ms: 300\n")
    server = serve("descriptors_service:svc", "--config", str(config), env={"ECHO_SLEEP": "0.1"})
    for i in range(6):  # teach the batcher what a call costs
        assert httpx.post(server.url + "/batched", json=[[i, i]], timeout=10).status_code == 200
    results = asyncio.run(_burst(server.url, "/batched", 40))
    statuses = [r.status_code for _, r in results]
    assert set(statuses) <= {200, 503}, statuses
    assert 503 in statuses and 200 in statuses, statuses
    for rows, response in results:
        if response.status_code == 200:
            assert np.asarray(response.json())[:, :2].tolist() == rows
        else:
            assert int(response.headers["retry-after"]) >= 1
            assert "overloaded" in response.json()["error"] or "timed out" in response.json()["error"]
    metrics = httpx.get(server.url + "/metrics").text
    assert re.search(r'vts_runner_rejected_total\{method="tag_rows",runner="echo"\} [1-9]', metrics)
    assert httpx.get(server.url + "/livez").status_code == 200


def test_batching_can_be_switched_off(serve, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("batching:\n  enabled: false\n")
    server = serve("descriptors_service:svc", "--config", str(config), env={"ECHO_SLEEP": "0.01"})
    results = asyncio.run(_burst(server.url, "/batched", 16))
    for rows, response in results:
        got = np.asarray(response.json())
        assert got[:, :2].tolist() == rows
        assert int(got[0, 2]) == len(rows)  # each call ran alone
