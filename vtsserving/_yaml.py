"""YAML that VtsServing did not write itself (stored info files, archives): safe, small, no aliases.

A safe loader constructs no objects, but YAML aliases still let a few kilobytes expand to
gigabytes in memory ("billion laughs"). The info files VtsServing writes never use anchors or
aliases, so files that do are refused, as are files over `MAX_INFO_BYTES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ._validation import yaml_problem
from .exceptions import ConfigError

MAX_INFO_BYTES = 4 * 1024 * 1024


class _AliasFound(Exception):
    def __init__(self, anchor: str, line: int) -> None:
        super().__init__(anchor)
        self.anchor, self.line = anchor, line


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases (`*name`) instead of expanding them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.anchor, event.start_mark.line + 1)
        return super().compose_node(parent, index)


def load_untrusted(data: str | bytes, where: str) -> Any:
    """Parse `data` (the content of `where`) safely; ConfigError when too big, aliased or invalid."""
    if len(data) > MAX_INFO_BYTES:
        raise ConfigError(f"{where} is {len(data)} bytes; the limit is {MAX_INFO_BYTES} bytes")
    try:
        return yaml.load(data, Loader=_NoAliasLoader)  # noqa: S506 - a safe loader
    except _AliasFound as exc:
        raise ConfigError(
            f"{where} (line {exc.line}) uses the YAML alias *{exc.anchor}: aliases are not allowed here"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} is not valid YAML{yaml_problem(exc)}") from None


def read_yaml_file(path: str | Path, what: str = "") -> Any:
    """A user's YAML file (a server config, deploy values), parsed safely; one-line ConfigError."""
    file = Path(path).expanduser()
    try:
        return yaml.safe_load(file.read_text()) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read {what}{file}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML{yaml_problem(exc)}") from None
