"""`vtsserving env`: versions, platform and home, for bug reports."""

from __future__ import annotations

import platform
import sys

import click

from .._version import __version__
from ..home import vtsserving_home
from ._help import Command
from ._output import echo_data

_PACKAGES = ("mlflow", "mlflow-skinny", "scikit-learn", "torch", "pandas", "numpy", "pydantic", "starlette", "uvicorn")


def env_info() -> dict[str, object]:
    import importlib.metadata  # lazily: it costs ~50 ms, which `vtsserving --help` must not pay

    packages = {}
    for name in _PACKAGES:
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "vtsserving": __version__,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "vtsserving_home": str(vtsserving_home()),
        "packages": packages,
    }


@click.command(cls=Command, examples=["vtsserving env", "vtsserving env -o json"])
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="Output format.")
def env(output: str) -> None:
    """Print versions, platform and the VtsServing home folder."""
    echo_data(env_info(), output)
