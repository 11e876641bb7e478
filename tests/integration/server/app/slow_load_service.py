"""A service whose model takes LOAD_SLEEP seconds to load (readiness tests)."""

import os
import time

import vtsserving
from vtsserving.io import Text


def _load_seconds() -> float:
    """LOAD_SLEEP; with LOAD_ORDER_FILE set, each later worker to start takes LOAD_STAGGER longer."""
    seconds = float(os.environ.get("LOAD_SLEEP", "3"))
    order_file = os.environ.get("LOAD_ORDER_FILE")
    if order_file:
        with open(order_file, "a+") as f:
            f.write("x")
            f.seek(0)
            seconds += float(os.environ.get("LOAD_STAGGER", "0")) * (len(f.read()) - 1)
    return seconds


class SlowModel(vtsserving.Runnable):
    def __init__(self) -> None:
        time.sleep(_load_seconds())

    @vtsserving.Runnable.method
    def upper(self, text: str) -> str:
        return text.upper()


runner = vtsserving.Runner(SlowModel, name="slow")
svc = vtsserving.Service("slow_load", runners=[runner])


@svc.api(input=Text(), output=Text())
async def upper(text: str) -> str:
    return await runner.upper.async_run(text)
