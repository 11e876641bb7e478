"""`Tag`: the `name:version` address of a model or vts in a store."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

from .exceptions import InvalidArgument

_PART = re.compile(r"^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$")
_MAX_LEN = 63
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
LATEST = "latest"


def validate_part(value: str, what: str) -> str:
    """Check one half of a tag; the error says what is wrong and what is expected."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{what} must be a non-empty string, got {value!r}")
    if len(value) > _MAX_LEN:
        raise InvalidArgument(f"{what} {value!r} is longer than {_MAX_LEN} characters")
    if not _PART.match(value):
        raise InvalidArgument(
            f"{what} {value!r} is invalid: use lower-case letters, digits, '-', '.' and '_',"
            " starting and ending with a letter or digit"
        )
    return value


def _lowered(value: str, what: str) -> str:
    """Lower-case then validate; errors quote the value as the user wrote it."""
    if not isinstance(value, str):
        return validate_part(value, what)
    try:
        return validate_part(value.lower(), what)
    except InvalidArgument:
        validate_part(value, what)  # raises with the original spelling
        raise


def _encode(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def new_version() -> str:
    """A fresh version: 10 characters of milliseconds then 6 random, sortable by time."""
    millis = time.time_ns() // 1_000_000
    return _encode(millis, 10) + _encode(int.from_bytes(os.urandom(4), "big") >> 2, 6)


@dataclass(frozen=True, order=True)
class Tag:
    """`name:version`; `version` is None or `latest` until resolved by a store."""

    name: str
    version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _lowered(self.name, "name"))
        if self.version is not None:
            object.__setattr__(self, "version", _lowered(self.version, "version"))

    @classmethod
    def from_str(cls, text: str) -> Tag:
        """Parse `name` or `name:version`."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidArgument(f"tag must be 'name' or 'name:version', got {text!r}")
        name, sep, version = text.strip().partition(":")
        if sep and not version:
            raise InvalidArgument(f"tag {text!r} has an empty version after ':'")
        return cls(name, version or None)

    @classmethod
    def from_taglike(cls, value: str | Tag) -> Tag:
        return value if isinstance(value, Tag) else cls.from_str(value)

    def with_version(self, version: str | None) -> Tag:
        return Tag(self.name, version)

    @property
    def is_latest(self) -> bool:
        return self.version in (None, LATEST)

    def __str__(self) -> str:
        return f"{self.name}:{self.version}" if self.version else self.name

    def __repr__(self) -> str:
        return f"Tag({str(self)!r})"
