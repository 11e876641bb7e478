"""Keep credentials out of a vts: refuse index URLs with passwords, and scan what goes in.

`vtsserving build` refuses, in one line naming the key or the files, a `python:` option that
carries credentials (pass them at image build time with `containerize --secret` instead) and any
file in the new vts that looks like it holds one: a private key, an AWS key, a `.netrc` or
`.pypirc` password, a docker registry auth, a URL with a password, a token. A path that holds
such text on purpose (a test key, a documented example) is listed under `allow_credentials_in`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pathspec

from ..exceptions import BuildError, ConfigError

MAX_SCANNED_BYTES = 64 * 1024 * 1024  # larger files are model weights: not scanned
_SKIPPED_SUFFIXES = (".whl",)  # compressed archives of code, checked when they were built

_URL_WITH_PASSWORD = rb"[a-z][a-z0-9+.-]*://[^/\s:@'\"<>]+:([^/\s@'\"<>]+)@"
_FINDINGS: dict[str, re.Pattern[bytes]] = {
    "a private key": re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    "an AWS access key id": re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    "an AWS secret access key": re.compile(rb"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}", re.I),
    "a .netrc password": re.compile(rb"\bmachine\s+\S+\s+login\s+\S+\s+password\s+\S+"),
    "a .pypirc password": re.compile(rb"\[(?:pypi|testpypi|distutils)\][^\[]*?\bpassword\s*[=:]\s*\S+", re.S),
    "a docker registry auth": re.compile(rb"\"auths\"\s*:\s*\{.*?\"auth\"\s*:\s*\"[A-Za-z0-9+/=]{8,}\"", re.S),
    "a URL with a password": re.compile(_URL_WITH_PASSWORD, re.I),
    "a GitHub token": re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "a Slack token": re.compile(rb"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
}
_PLACEHOLDERS = {b"password", b"pass", b"passwd", b"secret", b"token", b"xxx", b"***", b"changeme"}


_URL_WITH_USER = re.compile(rb"[a-z][a-z0-9+.-]*://([^/\s@'\"<>]+)@", re.I)


def check_option_urls(values: Iterable[tuple[str, str | None]], source: str) -> None:
    """ConfigError naming the key when an option value holds a URL with a password or a user
    part (index tokens are often passed as the user name: `https://TOKEN@host/simple`)."""
    for key, value in values:
        if value and (_url_password(value.encode()) or _url_user(value.encode())):
            raise ConfigError(
                f"{source}: {key}: the URL holds a user name or password, which would be stored in the vts and the"
                " image; pass it at image build time instead (vtsserving containerize --secret"
                " id=pip_index_url,src=FILE, or PIP_INDEX_URL in the build environment)"
            )


def _url_user(data: bytes) -> bool:
    """A URL whose user part alone (no password) is literal text: often a token."""
    return any(b":" not in m.group(1) and not m.group(1).startswith((b"$", b"{"))
               for m in _URL_WITH_USER.finditer(data))


def _url_password(data: bytes) -> bool:
    return any(m.group(1).lower() not in _PLACEHOLDERS and not m.group(1).startswith((b"$", b"{"))
               for m in re.finditer(_URL_WITH_PASSWORD, data, re.I))


def scan(root: Path, allowed: list[str]) -> list[tuple[str, str]]:
    """(path relative to `root`, what it looks like) for every file that seems to hold a credential."""
    allow = pathspec.GitIgnoreSpec.from_lines(allowed)
    found = []
    for rel, path in _files(root):
        if allow.match_file(rel) or path.suffix in _SKIPPED_SUFFIXES:
            continue
        if path.stat().st_size > MAX_SCANNED_BYTES:
            continue
        what = _looks_like(path.read_bytes())
        if what:
            found.append((rel, what))
    return found


def _looks_like(data: bytes) -> str | None:
    for what, pattern in _FINDINGS.items():
        if what == "a URL with a password":
            if _url_password(data):
                return what
        elif pattern.search(data):
            return what
    return None


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def refuse_credentials(root: Path, allowed: list[str]) -> None:
    """BuildError naming the files of the vts being built that seem to hold credentials."""
    found = scan(root, allowed)
    if not found:
        return
    shown = "; ".join(f"{rel} ({what})" for rel, what in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    raise BuildError(
        f"the vts would hold credentials: {shown}{more}. Remove them (or exclude the files); if one is"
        " not a secret, list its path under allow_credentials_in in vtsfile.yaml"
    )
