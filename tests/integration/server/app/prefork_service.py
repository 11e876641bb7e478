"""A service that records which process imported it and which built each runnable (prefork tests).

PIDS_DIR: a folder where `import-<pid>`, `shared-<pid>` and `own-<pid>` files are created.
"""

import os
from pathlib import Path

import vtsserving
from vtsserving.io import JSON


def _mark(kind: str) -> None:
    (Path(os.environ["PIDS_DIR"]) / f"{kind}-{os.getpid()}").touch()


_mark("import")


class Own(vtsserving.Runnable):
    """Built by each worker itself (PRELOAD is off by default)."""

    KIND = "own"

    def __init__(self) -> None:
        _mark(self.KIND)
        self.built_by = os.getpid()

    @vtsserving.Runnable.method
    def who(self) -> int:
        return self.built_by


class Shared(Own):
    """Built once by the server process, before it forks the workers."""

    KIND = "shared"
    PRELOAD = True


shared, own = vtsserving.Runner(Shared, name="shared"), vtsserving.Runner(Own, name="own")
svc = vtsserving.Service("prefork", runners=[shared, own])


@svc.api(input=JSON(), output=JSON())
async def pids(_: dict) -> dict:
    return {"worker": os.getpid(), "shared": await shared.who.async_run(), "own": await own.who.async_run()}
