"""Which local wheels fit an image of CPython X.Y on Linux."""

from __future__ import annotations

import pytest

from vtsserving.builder.wheel_tags import check_wheel_fits
from vtsserving.exceptions import ConfigError


@pytest.mark.parametrize("name", [
    "pure-1.0-py3-none-any.whl",
    "both-1.0-py2.py3-none-any.whl",
    "numpy-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "stable-1.0-cp38-abi3-manylinux_2_28_x86_64.whl",
    "musl-1.0-cp311-cp311-musllinux_1_2_x86_64.whl",
    "plain-1.0-cp311-cp311-linux_x86_64.whl",
])
def test_fitting_wheels_pass(name: str) -> None:
    check_wheel_fits(name, "3.11")


@pytest.mark.parametrize(("name", "built_for"), [
    ("win-1.0-cp311-cp311-win_amd64.whl", "cp311-cp311-win_amd64"),
    ("mac-1.0-cp311-cp311-macosx_11_0_arm64.whl", "cp311-cp311-macosx_11_0_arm64"),
    ("newer-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "cp312-cp312-manylinux_2_17_x86_64"),
    ("abi3new-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", "cp312-abi3-manylinux_2_17_x86_64"),
    ("old-1.0-py2-none-any.whl", "py2-none-any"),
    ("pypy-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl", "pp310-pypy310_pp73"),
])
def test_wheels_for_another_platform_or_python_are_named(name: str, built_for: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_wheel_fits(name, "3.11.4")
    message = str(info.value)
    assert message.startswith(f"python.wheels: {name} cannot be installed in the image (CPython 3.11 on Linux)")
    assert built_for in message and "\n" not in message


def test_a_file_that_is_not_a_wheel_name() -> None:
    with pytest.raises(ConfigError, match="not a valid wheel file name"):
        check_wheel_fits("model.pkl.whl", "3.11")
