"""Requirement files: flatten nested `-r`/`-c`, merge MLflow models' pins, spot local versions."""

from __future__ import annotations

import logging
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..exceptions import BuildError, ConfigError

logger = logging.getLogger("vtsserving.build")

_INCLUDE = {"-r": "requirements", "--requirement": "requirements", "-c": "constraints", "--constraint": "constraints"}
_INCLUDE_RE = re.compile(r"^(?:(-r|-c)\s*=?\s*|(--requirement|--constraint)(?:\s+|\s*=\s*))(\S.*)$")


@dataclass
class Requirements:
    """Flattened content of requirement files: requirement lines, pip options, constraints."""

    lines: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)

    def extend(self, other: Requirements) -> None:
        self.lines += [x for x in other.lines if x not in self.lines]
        self.options += [x for x in other.options if x not in self.options]
        self.constraints += [x for x in other.constraints if x not in self.constraints]


def _logical_lines(text: str) -> list[str]:
    """Lines without comments, joined across trailing backslashes."""
    out: list[str] = []
    buf = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        line = " ".join((buf + line).split())
        buf = ""
        if line:
            out.append(line)
    if buf.strip():
        out.append(buf.strip())
    return out


def _split_include(line: str) -> tuple[str, str] | None:
    """(`requirements`|`constraints`, path) when `line` is `-r x`, `-rx`, `--requirement=x`, ..."""
    match = _INCLUDE_RE.match(line)
    if not match:
        return None
    flag = match.group(1) or match.group(2)
    return _INCLUDE[flag], match.group(3).strip()


def read_requirements(path: Path, _seen: frozenset[Path] = frozenset()) -> Requirements:
    """Read `path`, resolving nested `-r`/`-c` files relative to the file that names them."""
    path = path.resolve()
    if path in _seen:
        return Requirements()
    if not path.is_file():
        raise ConfigError(f"requirements file {str(path)!r} not found")
    out = Requirements()
    for line in _logical_lines(path.read_text()):
        include = _split_include(line)
        if include:
            kind, name = include
            nested = read_requirements(path.parent / name, _seen | {path})
            if kind == "requirements":
                out.extend(nested)
            else:
                out.constraints += [x for x in nested.lines if x not in out.constraints]
        elif line.startswith("-") and not line.startswith(("-e", "--editable")):
            out.options.append(line)
        else:
            _check_line(line, path)
            if line not in out.lines:
                out.lines.append(line)
    return out


def _check_line(line: str, source: Path | str) -> None:
    if line.startswith(("-e", "--editable", ".", "/", "git+", "http:", "https:", "file:")):
        return
    try:
        Requirement(line.split(" --")[0])
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise ConfigError(f"{source}: invalid requirement {line!r}: {reason}") from None


def check_packages(packages: list[str], source: str) -> None:
    for line in packages:
        _check_line(line, f"{source}: python.packages")


def _pin(line: str) -> tuple[str, Requirement] | None:
    try:
        req = Requirement(line.split(" --")[0])
    except InvalidRequirement:
        return None
    return canonicalize_name(req.name), req


def merge_model_requirements(sources: list[tuple[str, Requirements]]) -> Requirements:
    """Merge the requirements of several models; conflicting pins name both models."""
    merged = Requirements()
    owners: dict[str, tuple[str, Requirement]] = {}
    for owner, reqs in sources:
        for line in reqs.lines:
            pinned = _pin(line)
            if pinned is None:
                merged.lines += [line] if line not in merged.lines else []
                continue
            name, req = pinned
            if name in owners:
                _check_compatible(owners[name], (owner, req))
                continue
            owners[name] = (owner, req)
            merged.lines.append(line)
        merged.options += [o for o in reqs.options if o not in merged.options]
        merged.constraints += [c for c in reqs.constraints if c not in merged.constraints]
    return merged


def _exact(req: Requirement) -> str | None:
    pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    return pins[0] if pins else None


def _check_compatible(first: tuple[str, Requirement], second: tuple[str, Requirement]) -> None:
    (owner_a, a), (owner_b, b) = first, second
    pin_a, pin_b = _exact(a), _exact(b)
    ok = True
    if pin_a and not b.specifier.contains(pin_a, prereleases=True):
        ok = False
    if pin_b and not a.specifier.contains(pin_b, prereleases=True):
        ok = False
    if not ok:
        raise BuildError(
            f"conflicting requirements: {owner_a} needs {a} but {owner_b} needs {b};"
            " name the version you want in vtsfile.yaml python.packages"
        )


def local_version_pins(lines: list[str], wheels: list[str]) -> list[str]:
    """Requirements pinned to a local version (`torch==2.13.0+cpu`) that no wheel provides."""
    shipped = {_wheel_key(Path(w).name) for w in wheels}
    found = []
    for line in lines:
        pinned = _pin(line)
        if pinned is None:
            continue
        name, req = pinned
        version = _exact(req)
        try:
            local = version and Version(version).local
        except InvalidVersion:
            local = None
        if local and (name, str(Version(version))) not in shipped:
            found.append(line)
    return found


def _wheel_key(filename: str) -> tuple[str, str]:
    parts = filename.split("-")
    if len(parts) < 2:
        return ("", "")
    try:
        return canonicalize_name(parts[0]), str(Version(parts[1]))
    except InvalidVersion:
        return canonicalize_name(parts[0]), parts[1]


def warn_local_versions(lines: list[str], wheels: list[str]) -> list[str]:
    """Log one line per local-version pin that PyPI cannot serve; return them."""
    pins = local_version_pins(lines, wheels)
    for line in pins:
        logger.warning(
            "requirement %r pins a local version that PyPI does not serve: add the vendor's index"
            " (python.extra_index_url, e.g. https://download.pytorch.org/whl/cpu) or ship the wheel"
            " with python.wheels",
            line,
        )
    return pins


def use_mlflow_skinny(lines: list[str]) -> list[str]:
    """Swap a full `mlflow` requirement for `mlflow-skinny` with the same version and markers."""
    out = []
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            out.append(line)
            continue
        if canonicalize_name(req.name) == "mlflow" and not req.url:
            req.name = "mlflow-skinny"
            logger.info("using %s in place of %s (python.mlflow_skinny: false keeps mlflow)", req, line)
            line = str(req)
        out.append(line)
    return out


def index_option_lines(index_url: str | None, no_index: bool, extra_index_url: list[str],
                       trusted_host: list[str], find_links: list[str]) -> list[str]:
    """pip options, one a line, as they go at the top of a requirements file."""
    lines = []
    if no_index:
        lines.append("--no-index")
    if index_url:
        lines.append(f"--index-url {index_url}")
    lines += [f"--extra-index-url {u}" for u in extra_index_url]
    lines += [f"--trusted-host {h}" for h in trusted_host]
    lines += [f"--find-links {shlex.quote(f)}" for f in find_links]
    return lines
