"""Path expansion for vtsfile values: `$VAR`, `${VAR}`, `~`, relative to the build context."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..exceptions import ConfigError

_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def expand_path(value: str, base: Path) -> Path:
    """Expand variables and `~`; a relative result is taken relative to `base`."""
    path = Path(os.path.expanduser(os.path.expandvars(value)))
    return path if path.is_absolute() else (base / path)


def unset_vars(value: str) -> list[str]:
    """Names of the environment variables `value` uses that are not set."""
    names = [a or b for a, b in _VAR.findall(value)]
    return [n for n in names if n not in os.environ]


def check_file(value: str, base: Path, key: str, source: str) -> Path:
    """The expanded absolute path of an existing file, or a `ConfigError` naming `key`."""
    missing = unset_vars(value)
    if missing:
        raise ConfigError(
            f"{source}: {key}: {value!r} uses environment variable {missing[0]}, which is not set"
        )
    path = expand_path(value, base).resolve()
    if not path.exists():
        raise ConfigError(f"{source}: {key}: file {str(path)!r} not found")
    return path
