"""Everything decided before an image build runs: tags, the Dockerfile, the backend's commands.

`build()` runs a plan; `--dry-run` prints one (the rendered Dockerfile and the exact commands).
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from .._validation import validation_message
from .._version import __version__
from ..exceptions import ConfigError, InvalidArgument
from ..vts import VTS_YAML, Vts
from .backends import Backend, BuildRequest
from .cache import CachePlan, plan_cache
from .dockerfile import default_base_image, render_dockerfile
from .options import DockerOptions

# docker/distribution reference grammar: [host[:port]/]path[:tag]
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(rf"^(?:(?P<host>{_HOST})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>[\w][\w.-]{{0,127}}))?$")
_SECRET_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_STAGE = re.compile(r"^FROM\s+\S+\s+AS\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ImageOptions:
    """The options of one image build, as `vtsserving containerize` takes them."""

    image_tags: Sequence[str] = ()
    platform: str | None = None
    build_args: Mapping[str, str] | Sequence[str] | None = None
    labels: Mapping[str, str] | Sequence[str] | None = None
    no_cache: bool = False
    secrets: Sequence[str] = ()
    network: str | None = None
    pull: bool = False
    target: str | None = None
    cache_from: Sequence[str] = ()
    cache_to: str | None = None
    sbom: bool = False


@dataclass
class BuildPlan:
    """A build ready to run: the Dockerfile text, the backend's request and the cache plan."""

    vts: Vts
    tags: list[str]
    backend: Backend
    dockerfile: str
    request: BuildRequest
    cache: CachePlan = field(default_factory=CachePlan)

    def build_command(self) -> list[str]:
        return self.backend.build_command(self.request)

    def shell(self, push: bool = False, after_build: Sequence[str] = ()) -> str:
        """The commands as a shell script: the build (with its environment), `after_build`
        (comment lines), then the cache's tags and pushes, then the image's pushes."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.backend.env.items())
        lines = [f"{env} {shlex.join(self.build_command())}".strip(), *after_build]
        for ref in self.cache.push_refs:
            lines.append(shlex.join(self.backend.tag_command(self.tags[0], ref)))
            lines.append(shlex.join(self.backend.push_command(ref)))
        if push:
            lines += [shlex.join(self.backend.push_command(tag)) for tag in self.tags]
        return "\n".join(lines)


def image_reference(ref: str, default_tag: str) -> str:
    """Validate `IMAGE[:TAG]`; a missing tag becomes `default_tag`."""
    match = _REFERENCE.match(ref or "")
    host = match.group("host") if match else None
    if match is None or (host is None and ref.count(":") > 1):
        raise InvalidArgument(
            f"invalid image reference {ref!r}: expected [REGISTRY/]NAME[:TAG] with a lower-case name"
        )
    return ref if match.group("tag") else f"{ref}:{default_tag}"


def vts_docker_options(vts: Vts) -> tuple[DockerOptions, str, bool]:
    """(docker options, Python X.Y, conda?) of a vts, as `vtsserving build` recorded them."""
    try:
        docker = DockerOptions.model_validate(vts.info.docker)
    except ValidationError as exc:
        where = f"{vts.path_of(VTS_YAML)}: {validation_message(exc, prefix='docker.')}"
        raise ConfigError(where) from None
    version_file = Path(vts.path_of("env/python/version.txt"))
    python = docker.python_version or (
        version_file.read_text().strip() if version_file.is_file() else f"{sys.version_info[0]}.{sys.version_info[1]}"
    )
    python = ".".join(python.split(".")[:2])
    return docker, python, Path(vts.path_of("env/conda/environment.yml")).is_file()


def _pairs(values: Mapping[str, str] | Sequence[str] | None, what: str) -> dict[str, str]:
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return {str(k): str(v) for k, v in values.items()}
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidArgument(f"{what} {item!r} must look like KEY=VALUE")
        out[key] = value
    return out


def check_secret(spec: str) -> str:
    """A `--secret` spec checked: id=ID with src=FILE (which exists) or env=VAR."""
    fields = dict(part.partition("=")[::2] for part in spec.split(","))
    if not _SECRET_ID.match(fields.get("id", "")):
        raise InvalidArgument(f"secret {spec!r} must look like id=ID,src=FILE (ID: letters, digits, '_.-')")
    src = fields.get("src") or fields.get("source")
    if src is not None and not Path(src).expanduser().is_file():
        raise InvalidArgument(f"secret {fields['id']!r}: file {src} does not exist")
    if src is None and "env" not in fields:
        raise InvalidArgument(f"secret {spec!r} needs src=FILE (or env=VAR)")
    return spec


def _labels(vts: Vts, extra: dict[str, str]) -> dict[str, str]:
    tag = vts.tag
    return {
        "org.opencontainers.image.title": tag.name,
        "org.opencontainers.image.version": str(tag.version),
        "org.opencontainers.image.created": vts.info.creation_time.isoformat(),
        "io.vtsserving.vts": str(tag),
        "io.vtsserving.version": __version__,
        **extra,
    }


def check_target(dockerfile: str, target: str | None) -> None:
    """`--target` must name a stage of the Dockerfile."""
    stages = _STAGE.findall(dockerfile)
    if target is not None and target not in stages:
        raise InvalidArgument(f"--target {target!r}: the Dockerfile has no such stage; its stages are {', '.join(stages)}")


def _check_combinations(opts: ImageOptions, tags: list[str]) -> None:
    if opts.sbom and opts.target:
        raise InvalidArgument("--sbom describes the serving image: it cannot be used with --target")
    if opts.sbom and opts.cache_to and opts.cache_to in tags:
        raise InvalidArgument(
            f"--cache-to {opts.cache_to} is also an image tag: with --sbom the tagged image gets a label that"
            " the cache image has not; give the cache a tag of its own (e.g. NAME:buildcache)"
        )


def plan_build(vts: Vts, backend: Backend, opts: ImageOptions, workdir: Path) -> BuildPlan:
    """Check the options and render the Dockerfile; nothing is written (the build writes it to
    `workdir`)."""
    tags = [image_reference(t, str(vts.tag.version)) for t in opts.image_tags] or [
        f"{vts.tag.name}:{vts.tag.version}"
    ]
    _check_combinations(opts, tags)
    secrets = [check_secret(s) for s in opts.secrets]
    secret_ids = tuple(dict(p.partition("=")[::2] for p in s.split(","))["id"] for s in secrets)
    cache = plan_cache(backend, list(opts.cache_from), opts.cache_to)
    docker, python, conda = vts_docker_options(vts)
    text = render_dockerfile(
        Path(vts.path), docker, python_version=python, conda=conda, backend=backend.features, secrets=secret_ids
    )
    check_target(text, opts.target)
    request = BuildRequest(
        context=Path(vts.path), dockerfile=workdir / "Dockerfile", tags=tags, iidfile=workdir / "iid",
        base_image=default_base_image(docker, python_version=python, conda=conda),
        build_args={**cache.build_args, **_pairs(opts.build_args, "build arg")},
        labels=_labels(vts, _pairs(opts.labels, "label")),
        secrets=secrets, platform=opts.platform, no_cache=opts.no_cache, network=opts.network,
        pull=opts.pull, target=opts.target, cache_args=cache.args,
    )
    return BuildPlan(vts, tags, backend, text, request, cache)
