"""Path expansion for vtsfile values: `$VAR`, `${VAR}`, `~`, relative to the build context.

A relative path must stay inside the build folder (`../secret.txt` is an error): a vtsfile
copied from elsewhere cannot pull in files around it by accident. A file elsewhere is used on
purpose by writing an absolute path, `~/...` or `$VAR/...`.
"""

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


def _escapes(value: str, base: Path) -> bool:
    """A relative path (as written) that resolves outside `base`."""
    path = Path(os.path.expanduser(os.path.expandvars(value)))
    if path.is_absolute():
        return False
    root = base.resolve()
    target = (root / path).resolve()
    return target != root and root not in target.parents


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
    path = check_folder(value, base, key, source).resolve()
    if not path.exists():
        raise ConfigError(f"{source}: {key}: file {str(path)!r} not found")
    return path


def check_folder(value: str, base: Path, key: str, source: str) -> Path:
    """The expanded absolute path of a folder (which need not exist yet), kept in `base` if relative."""
    if _escapes(value, base):
        raise ConfigError(
            f"{source}: {key}: {value!r} is outside the build folder {base};"
            " use an absolute path (or $VAR/~) to use one elsewhere on purpose"
        )
    return expand_path(value, base)
