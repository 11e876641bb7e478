"""`DeployOptions`: what a deployment needs beyond what the vts knows, from flags or a YAML file.

Every field is also a flag of `vtsserving deploy` (`max_replicas` is `--max-replicas`), and a
`--values FILE` holds the same keys. Bad values are one-line errors that name the option.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from .._validation import validation_message
from .._yaml import read_yaml_file
from ..exceptions import ConfigError, InvalidArgument
from .image import check_image
from .quantity import parse_quantity

_DNS_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"


def _text(value: Any) -> Any:
    """YAML reads `cpu: 2` as a number; a quantity is its text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Quantity = Annotated[str, BeforeValidator(_text)]


class DeployOptions(BaseModel):
    """Options of the generated manifests; `None` means: derive it from the vts (see `sizing`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str
    name: str | None = Field(None, max_length=63, pattern=_DNS_LABEL)
    namespace: str | None = Field(None, max_length=63, pattern=_DNS_LABEL)
    replicas: int = Field(2, ge=1)
    max_replicas: int | None = Field(None, ge=1)
    workers: int | None = Field(None, ge=1)
    cpu: Quantity = "1"
    cpu_limit: Quantity | None = None
    memory: Quantity | None = None
    memory_limit: Quantity | None = None
    target_cpu: int = Field(70, ge=1, le=100)
    target_rps: float | None = Field(None, gt=0)
    load_time: float | None = Field(None, gt=0)
    startup_timeout: int | None = Field(None, ge=1)
    graceful_timeout: float | None = Field(None, ge=0)
    prestop_sleep: int = Field(5, ge=0)
    service_monitor: bool = True

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_image(value)

    @field_validator("cpu", "cpu_limit", "memory", "memory_limit")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is not None and parse_quantity(value) <= 0:
            raise ValueError(f"{value!r} must be more than 0")
        return value

    def quantity(self, field: str) -> Decimal | None:
        value = getattr(self, field)
        return None if value is None else parse_quantity(value)


def flag(field: str) -> str:
    """The CLI flag of an option field."""
    return "--" + field.replace("_", "-")


def make_options(values: dict[str, Any], *, file_values: dict[str, Any] | None = None,
                 file: str | Path | None = None) -> DeployOptions:
    """`DeployOptions` from flag values over those of a `--values` file.

    The error names the flag, or the file and its key when the bad value came from the file.
    """
    merged = {**(file_values or {}), **values}
    try:
        return DeployOptions.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        reason = _strip(validation_message(exc).split(": ", 1)[1])
        if field not in values and file_values and field in file_values:
            raise ConfigError(f"{file}: {field}: {reason}") from None
        given = merged.get(field)
        shown = f" {given}" if given is not None and err["type"] != "missing" else ""
        raise InvalidArgument(f"{flag(field)}{shown}: {reason}") from None


def read_values(path: str | Path) -> dict[str, Any]:
    """The options in a YAML file (`--values FILE`): a mapping of option names to values."""
    file = Path(path).expanduser()
    data = read_yaml_file(file)
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping of option names to values, got {type(data).__name__}")
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def _strip(reason: str) -> str:
    """pydantic's `Value error, x` -> `x`."""
    return reason.removeprefix("Value error, ")
