"""A service whose model takes LOAD_SLEEP seconds to load (readiness tests)."""

import os
import time

import vtsserving
from vtsserving.io import Text


class SlowModel(vtsserving.Runnable):
    def __init__(self) -> None:
        time.sleep(float(os.environ.get("LOAD_SLEEP", "3")))

    @vtsserving.Runnable.method
    def upper(self, text: str) -> str:
        return text.upper()


runner = vtsserving.Runner(SlowModel, name="slow")
svc = vtsserving.Service("slow_load", runners=[runner])


@svc.api(input=Text(), output=Text())
async def upper(text: str) -> str:
    return await runner.upper.async_run(text)
