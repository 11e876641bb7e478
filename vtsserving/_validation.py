"""One wording for validation errors (pydantic, YAML), wherever a file, option or body is checked."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

_FRIENDLY = {"extra_forbidden": "unknown key", "missing": "required key is missing"}


def validation_message(exc: ValidationError, *, prefix: str = "", top: str = "(top level)") -> str:
    """`key.path: message` for the first error; `prefix` goes before the key path.

    Unknown and missing keys get plain words; a value error keeps pydantic's reason.
    """
    err = exc.errors()[0]
    where = prefix + ".".join(str(p) for p in err["loc"])
    message = _FRIENDLY.get(err["type"], err["msg"])
    return f"{where or top}: {message}"


def yaml_problem(exc: Any) -> str:
    """`(line N): problem` of a YAML parse error, on one line (PyYAML's own text spans several)."""
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{where}: {' '.join(str(problem).split())}"
