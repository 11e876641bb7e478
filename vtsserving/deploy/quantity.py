"""Kubernetes resource quantities (`500m`, `2`, `512Mi`, `1G`): parse, compare, write.

Only what the manifests need: a number with an optional SI or binary suffix, as the API server
accepts it. Memory is compared with the models' size in bytes, CPU gives the worker count.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_QUANTITY = re.compile(r"^(?P<number>[0-9]+(\.[0-9]*)?|\.[0-9]+)(?P<suffix>[kMGTPE]i|[numkMGTPE]|[eE][-+]?[0-9]+)?$")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
            "P": Decimal("1e15"), "E": Decimal("1e18")}
MI = 2**20


def parse_quantity(text: str) -> Decimal:
    """The value of a quantity (`512Mi` -> 536870912, `500m` -> 0.5); ValueError when malformed."""
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a Kubernetes quantity like 500m, 2, 512Mi or 4Gi")
    number, suffix = Decimal(match["number"]), match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix[:1] in "eE" and suffix:
        try:
            return number * Decimal(10) ** int(suffix[1:])
        except (InvalidOperation, ValueError):
            raise ValueError(f"{text!r} is not a Kubernetes quantity") from None
    return number * _DECIMAL[suffix]


def mebibytes(num_bytes: float) -> str:
    """Bytes rounded up to whole mebibytes, written as `NNNMi`."""
    return f"{max(1, math.ceil(num_bytes / MI))}Mi"


def human_bytes(num_bytes: float) -> str:
    """`1.50 GiB`, `12.0 MiB`: sizes in error messages."""
    for unit, scale in (("GiB", 2**30), ("MiB", MI), ("KiB", 2**10)):
        if num_bytes >= scale:
            return f"{num_bytes / scale:.2f} {unit}"
    return f"{int(num_bytes)} B"
