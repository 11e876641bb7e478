"""What `Model` and `Vts` share: reading a stored folder's YAML info file and its paths."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError

from ._validation import validation_message
from ._yaml import load_untrusted
from .exceptions import ConfigError, InvalidArgument, NotFound
from .tag import Tag


def _stringify(value: Any) -> Any:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value


# Labels are string to string; YAML numbers and booleans are kept as their text.
Labels = Annotated[dict[str, str], BeforeValidator(_stringify)]

InfoT = TypeVar("InfoT", bound=BaseModel)


def validate_info(cls: type[InfoT], data: Any, where: str) -> InfoT:
    """Validate parsed info content; errors name `where` and the key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must hold a mapping, got {type(data).__name__}")
    try:
        info = cls.model_validate(data)
        info.tag  # noqa: B018 - validates name and version
    except ValidationError as exc:
        raise ConfigError(f"{where}: {validation_message(exc)}") from None
    except InvalidArgument as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return info


def load_info(cls: type[InfoT], path: Path, kind: str) -> InfoT:
    """Read and validate the info file of a `kind` folder ("model", "vts"); raises on any problem."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path} not found: not a {kind} folder") from None
    return validate_info(cls, load_untrusted(text, str(path)), str(path))


class StoredFolder:
    """A folder in a store plus its parsed info; `kind` names it in messages."""

    kind: ClassVar[str] = "item"

    def __init__(self, path: str | Path, info: Any) -> None:
        self._path = Path(path)
        self.info = info

    @property
    def tag(self) -> Tag:
        return self.info.tag

    @property
    def path(self) -> str:
        return str(self._path)

    def path_of(self, relative: str) -> str:
        """Absolute path of a file or folder inside this one; never outside it."""
        root = self._path.resolve()
        target = (root / relative).resolve()
        if target != root and root not in target.parents:
            raise InvalidArgument(f"path {relative!r} is outside {self.kind} {self.tag}")
        return str(target)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.tag == self.tag and other.path == self.path

    def __hash__(self) -> int:
        return hash((self.tag, self.path))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(tag="{self.tag}")'
