"""`build()`: a vts from the store (or a vts folder) to a tagged image, optionally pushed."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._validation import validation_message
from .._version import __version__
from ..exceptions import BuildError, ConfigError, InvalidArgument
from ..vts import VTS_YAML, Vts, resolve
from .backends import Backend, BuildRequest, detect
from .buildlog import BuildLog, progress_mode, stream
from .dockerfile import default_base_image, render_dockerfile
from .options import DockerOptions
from .sbom import write_sbom
from .space import check_disk_space

# docker/distribution reference grammar: [host[:port]/]path[:tag]
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(rf"^(?:(?P<host>{_HOST})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>[\w][\w.-]{{0,127}}))?$")
_SECRET_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class ImageResult:
    """What `build()` made: the image id, its tags, and which tool built it."""

    vts: str
    image_id: str
    tags: list[str]
    backend: str
    builder: str
    executable: str
    pushed: list[str] = field(default_factory=list)
    sbom: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def _check_secret(spec: str) -> str:
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


def build(
    tag: str | Path,
    *,
    image_tags: Sequence[str] = (),
    backend: str = "docker",
    platform: str | None = None,
    build_args: Mapping[str, str] | Sequence[str] | None = None,
    labels: Mapping[str, str] | Sequence[str] | None = None,
    no_cache: bool = False,
    secrets: Sequence[str] = (),
    push: bool = False,
    progress: str = "auto",
    network: str | None = None,
    sbom: str | Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> ImageResult:
    """Build an image from the vts `tag` (or a vts folder) and optionally push every tag.

    The Dockerfile is rendered again for the backend found; the build log streams to stderr
    (or `echo`); a failure raises BuildError naming the failing step and its error. `sbom`: a
    path to write the image's CycloneDX SBOM (every installed Python distribution) to.
    """
    vts = resolve(tag)
    vts_tag, path = vts.tag, Path(vts.path)
    tags = [image_reference(t, str(vts_tag.version)) for t in image_tags] or [
        f"{vts_tag.name}:{vts_tag.version}"
    ]
    secret_specs = [_check_secret(s) for s in secrets]
    tool = detect(backend)
    log = BuildLog(progress_mode(progress), echo)
    log.echo(f"[vtsserving] building {', '.join(tags)} from vts {vts_tag} with {tool.describe()}")
    docker, python, conda = vts_docker_options(vts)
    check_disk_space(tool, path)
    secret_ids = tuple(dict(p.partition("=")[::2] for p in s.split(","))["id"] for s in secret_specs)
    with tempfile.TemporaryDirectory(prefix="vts-containerize-") as tmp:
        dockerfile = Path(tmp) / "Dockerfile"
        dockerfile.write_text(render_dockerfile(
            path, docker, python_version=python, conda=conda, backend=tool.features, secrets=secret_ids
        ))
        request = BuildRequest(
            context=path, dockerfile=dockerfile, tags=tags, iidfile=Path(tmp) / "iid",
            base_image=default_base_image(docker, python_version=python, conda=conda),
            build_args=_pairs(build_args, "build arg"),
            labels=_labels(vts, _pairs(labels, "label")),
            secrets=secret_specs, platform=platform, no_cache=no_cache, network=network,
        )
        image_id = _run_build(tool, request, log)
    result = ImageResult(str(vts_tag), image_id, tags, tool.name, tool.builder, tool.executable)
    if sbom is not None:
        count = write_sbom(Path(sbom), tool, tags[0], image_id)
        result.sbom = str(Path(sbom).expanduser())
        log.echo(f"[vtsserving] wrote the SBOM of {tags[0]} ({count} Python distributions) to {result.sbom}")
    if push:
        result.pushed = _push(tool, tags, log)
    return result


def _run_build(tool: Backend, request: BuildRequest, log: BuildLog) -> str:
    rc = stream(tool.build_command(request), tool.env, log)
    if rc != 0:
        if log.mode != "plain":  # the log was hidden behind a spinner: show the failing step
            log.echo(log.failure())
        raise BuildError(f"image build failed at {log.reason()}")
    image_id = request.iidfile.read_text().strip() if request.iidfile.is_file() else ""
    if not image_id:
        raise BuildError(f"{tool.describe()} finished but wrote no image id")
    return image_id


def _push(tool: Backend, tags: list[str], log: BuildLog) -> list[str]:
    pushed = []
    for image in tags:
        log.echo(f"[vtsserving] pushing {image}")
        push_log = BuildLog(log.mode, log.echo)
        rc = stream(tool.push_command(image), tool.env, push_log)
        if rc != 0:
            tail = "\n".join(f"  {line}" for line in list(push_log.tail)[-8:] if line.strip())
            raise BuildError(f"push of {image} failed ({tool.name} exited {rc}):\n{tail}")
        pushed.append(image)
    return pushed
