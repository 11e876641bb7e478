"""A registry-backed layer cache: `--cache-from REF` / `--cache-to REF` in each builder's terms.

- docker buildx with a builder that can export caches (docker-container, kubernetes, remote
  drivers): `type=registry` caches with `mode=max`, so the builder stage's layers are kept too.
- BuildKit without buildx (a docker client before 23.0 with `DOCKER_BUILDKIT=1`), and buildx on
  its default `docker` driver: an inline cache. BuildKit writes the cache metadata into the image
  itself (`BUILDKIT_INLINE_CACHE=1`), so `--cache-to REF` tags the built image REF too and pushes
  it; `--cache-from REF` reads it back and pulls only the layers it reuses.
- The legacy builder, buildah and podman: refused in one line that says why.

A REF without a tag gets `:buildcache`. A value with `type=` is a raw buildx cache spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..exceptions import InvalidArgument
from .backends import Backend, run_quiet

CACHE_TAG = "buildcache"
_TAGGED = re.compile(r":[\w][\w.-]{0,127}$")


@dataclass(frozen=True)
class CachePlan:
    """What the cache options add to a build: arguments, build args, refs to tag and push."""

    args: list[str] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)
    push_refs: list[str] = field(default_factory=list)

    @property
    def inline(self) -> bool:
        return bool(self.build_args)


def cache_ref(ref: str) -> str:
    """`REGISTRY/NAME[:TAG]`, `:buildcache` when the tag is left out; raw specs pass through."""
    ref = ref.strip()
    if not ref or any(c.isspace() for c in ref):
        raise InvalidArgument(f"cache reference {ref!r}: expected REGISTRY/NAME[:TAG] without spaces")
    if "type=" in ref or "@sha256:" in ref:
        return ref
    last = ref.rsplit("/", 1)[-1]
    return ref if _TAGGED.search(last) else f"{ref}:{CACHE_TAG}"


def plan_cache(backend: Backend, cache_from: list[str], cache_to: str | None) -> CachePlan:
    """The cache arguments for `backend`; InvalidArgument when it cannot use a registry cache."""
    if not cache_from and not cache_to:
        return CachePlan()
    sources = [cache_ref(r) for r in cache_from]
    dest = cache_ref(cache_to) if cache_to else None
    _check_backend(backend)
    if backend.builder == "buildx" and buildx_exports_cache(backend):
        return _registry_cache(sources, dest)
    return _inline_cache(backend, sources, dest)


def _check_backend(backend: Backend) -> None:
    if backend.builder == "legacy":
        raise InvalidArgument(
            "--cache-from/--cache-to need BuildKit: the legacy docker builder cannot reuse the layers of a"
            " multi-stage image from a registry; unset DOCKER_BUILDKIT=0, or use a docker client with"
            " buildx (or one before 23.0, which builds with DOCKER_BUILDKIT=1)"
        )
    if backend.name != "docker":
        raise InvalidArgument(
            f"--cache-from/--cache-to are not supported with --backend {backend.name}: use --backend docker"
            " (BuildKit), whose registry and inline caches work across CI runners"
        )


def _registry_cache(sources: list[str], dest: str | None) -> CachePlan:
    args: list[str] = []
    for ref in sources:
        args += ["--cache-from", ref if "type=" in ref else f"type=registry,ref={ref}"]
    if dest:
        args += ["--cache-to", dest if "type=" in dest else f"type=registry,ref={dest},mode=max"]
    return CachePlan(args=args)


def _inline_cache(backend: Backend, sources: list[str], dest: str | None) -> CachePlan:
    raw = [r for r in [*sources, dest] if r and "type=" in r]
    if raw:
        raise InvalidArgument(
            f"cache spec {raw[0]!r} needs docker buildx with a cache-exporting builder"
            f" ({backend.describe()} keeps an inline cache in the image): pass an image reference"
        )
    args: list[str] = []
    for ref in sources:
        args += ["--cache-from", f"type=registry,ref={ref}" if backend.builder == "buildx" else ref]
    if dest is None:
        return CachePlan(args=args)
    if backend.builder == "buildx":
        args += ["--cache-to", "type=inline"]
    return CachePlan(args=args, build_args={"BUILDKIT_INLINE_CACHE": "1"}, push_refs=[dest])


def buildx_exports_cache(backend: Backend) -> bool:
    """Whether the current buildx builder can export a registry cache (its driver is not `docker`)."""
    proc = run_quiet([backend.executable, "buildx", "inspect"], backend.env)
    if proc is None or proc.returncode != 0:
        return False
    for line in proc.stdout.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Driver":
            return value.strip() != "docker"
    return False
