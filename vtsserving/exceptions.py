"""One exception hierarchy: every error knows its HTTP status and its CLI exit code."""

from __future__ import annotations


class VtsServingError(Exception):
    """Base of every error VtsServing raises on purpose."""

    status_code: int = 500
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidArgument(VtsServingError):
    """A value given by the user is malformed (a bad tag, a wrong option)."""

    status_code = 400
    exit_code = 2


class BadInput(InvalidArgument):
    """A request body or payload does not match what the API declares."""

    status_code = 400


class UnprocessableEntity(VtsServingError):
    """Well-formed input the model or service cannot act on."""

    status_code = 422
    exit_code = 2


class NotFound(VtsServingError):
    """A model, vts, file or route that does not exist."""

    status_code = 404
    exit_code = 3


class Conflict(VtsServingError):
    """The thing to create exists already."""

    status_code = 409
    exit_code = 4


class ConfigError(InvalidArgument):
    """A configuration file (vtsfile.yaml, model.yaml, ...) is invalid."""


class MissingDependency(VtsServingError):
    """An optional package or external tool is needed and not installed."""

    status_code = 500
    exit_code = 5


class ServiceUnavailable(VtsServingError):
    """The server is overloaded or not ready; the client may retry."""

    status_code = 503
    exit_code = 6

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BuildError(VtsServingError):
    """Building a vts or an image failed."""

    exit_code = 7


class InternalError(VtsServingError):
    """A bug or an unexpected failure inside VtsServing or the model."""

    status_code = 500
    exit_code = 1


class UnsupportedMediaType(BadInput):
    """A request body's content type is not one the API accepts."""

    status_code = 415


class PayloadTooLarge(BadInput):
    """A request body is over the server's configured size limit."""

    status_code = 413


class RequestTimeout(BadInput):
    """A request body did not arrive within the server's body timeout."""

    status_code = 408
