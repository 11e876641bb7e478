"""What a separate runner process would add per request: a pickled round trip over a socket.

Compares, for a single-row iris input, (a) handing the call to the in-process model thread
(what VtsServing does) with (b) sending it to another process over a Unix socket and back
(what a separate runner process needs at least, before any batching). Prints microseconds.

    .venv/bin/python scripts/bench/runner_ipc.py
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

N = 5000


def _echo_server(conn) -> None:
    while True:
        data = conn.recv_bytes()
        if not data:
            return
        arr = pickle.loads(data)
        conn.send_bytes(pickle.dumps(np.zeros(len(arr), dtype=np.int64)))


def main() -> None:
    row = np.array([[5.1, 3.5, 1.4, 0.2]])
    pool = ThreadPoolExecutor(1)
    for _ in range(500):
        pool.submit(len, row).result()
    start = time.perf_counter()
    for _ in range(N):
        pool.submit(len, row).result()
    thread_us = (time.perf_counter() - start) / N * 1e6

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_echo_server, args=(child,), daemon=True)
    proc.start()
    for _ in range(500):
        parent.send_bytes(pickle.dumps(row))
        pickle.loads(parent.recv_bytes())
    start = time.perf_counter()
    for _ in range(N):
        parent.send_bytes(pickle.dumps(row))
        pickle.loads(parent.recv_bytes())
    ipc_us = (time.perf_counter() - start) / N * 1e6
    parent.send_bytes(b"")
    proc.join(5)
    print(f"in-process model thread hand-off: {thread_us:8.1f} us a call")
    print(f"separate process round trip:      {ipc_us:8.1f} us a call (x{ipc_us / thread_us:.1f})")


if __name__ == "__main__":
    main()
