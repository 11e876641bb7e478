"""A service with a slow, unbatched model (fault and overload tests, scripts/bench/faults.py).

WORK_SLEEP: seconds a model call takes; LOAD_SLEEP: seconds the model takes to load.
"""

import os
import time

import vtsserving
from vtsserving.io import JSON, Text


class SlowModel(vtsserving.Runnable):
    def __init__(self) -> None:
        time.sleep(float(os.environ.get("LOAD_SLEEP", "0")))
        self.calls = 0

    @vtsserving.Runnable.method
    def work(self, text: str) -> str:
        self.calls += 1
        time.sleep(float(text) if text.replace(".", "", 1).isdigit() else float(os.environ.get("WORK_SLEEP", "0.05")))
        return text.upper()

    @vtsserving.Runnable.method
    def patient(self, text: str) -> str:
        """`work` again, for a test that configures a long latency budget for it."""
        return self.work(text)

    @vtsserving.Runnable.method
    def count(self) -> int:
        return self.calls


runner = vtsserving.Runner(SlowModel, name="slow_model")
svc = vtsserving.Service("faults", runners=[runner])


@svc.api(input=Text(), output=Text())
async def work(text: str) -> str:
    """Runs the model; a number as input is the seconds the call takes."""
    return await runner.work.async_run(text)


@svc.api(input=Text(), output=Text())
def work_sync(text: str) -> str:
    return runner.work.run(text)


@svc.api(input=Text(), output=Text())
async def patient(text: str) -> str:
    return await runner.patient.async_run(text)


@svc.api(input=Text(), output=JSON())
async def info(text: str) -> dict:
    """This worker's pid and how many model calls it ran."""
    return {"pid": os.getpid(), "calls": await runner.count.async_run()}
