"""Check at build time that a local wheel can be installed in the image (CPython X.Y on Linux).

Caught here, the mistake costs a second; caught by the installer inside the image build, it
costs the image's cold build first.
"""

from __future__ import annotations

from pathlib import Path

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from ..exceptions import ConfigError


def _python_fits(tag: Tag, target: tuple[int, int]) -> bool:
    interpreter, abi = tag.interpreter, tag.abi
    digits = interpreter[2:]
    if interpreter.startswith("py"):
        return digits[:1] == "3"
    if not interpreter.startswith("cp") or not digits.isdigit():
        return False
    wanted = (int(digits[0]), int(digits[1:] or 0))
    return wanted <= target if abi == "abi3" else wanted == target


def _os_fits(tag: Tag) -> bool:
    return tag.platform == "any" or tag.platform.startswith(("linux", "manylinux", "musllinux"))


def check_wheel_fits(path: str | Path, python_version: str) -> None:
    """ConfigError naming the wheel when none of its tags fits CPython `python_version` on Linux."""
    name = Path(path).name
    try:
        tags = parse_wheel_filename(name)[3]
    except InvalidWheelFilename as exc:
        raise ConfigError(f"python.wheels: {name} is not a valid wheel file name ({exc})") from None
    major, minor = (int(x) for x in python_version.split(".")[:2])
    if any(_python_fits(t, (major, minor)) and _os_fits(t) for t in tags):
        return
    built_for = ", ".join(sorted({f"{t.interpreter}-{t.abi}-{t.platform}" for t in tags}))
    raise ConfigError(
        f"python.wheels: {name} cannot be installed in the image (CPython {major}.{minor} on Linux):"
        f" it is built for {built_for}"
    )
