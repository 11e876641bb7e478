"""`build()`: a vts from the store (or a vts folder) to a tagged image, optionally pushed.

Steps: render the Dockerfile for the backend found, build (with the registry cache when asked),
write the SBOM and add its digest as a label (a relabel step), then push the cache and the tags.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import BuildError
from ..vts import resolve
from .backends import Backend, BuildRequest, detect
from .buildlog import BuildLog, progress_mode, stream
from .plan import (
    BuildPlan,
    ImageOptions,
    check_secret,
    image_reference,
    plan_build,
    vts_docker_options,
)
from .relabel import relabel
from .sbom import SBOM_LABEL, write_sbom
from .space import check_disk_space

__all__ = ["ImageResult", "build", "check_secret", "dry_run", "image_reference", "vts_docker_options"]


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
    sbom_sha256: str | None = None
    cache_to: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DryRun:
    """What a build would do: the rendered Dockerfile and the exact commands, nothing run."""

    vts: str
    backend: str
    dockerfile: str
    commands: str
    tags: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def dry_run(tag: str | Path, *, image_tags: Sequence[str] = (), backend: str = "docker", push: bool = False,
            sbom: str | Path | None = None, **options: Any) -> DryRun:
    """The Dockerfile `build()` would render and the commands it would run (shell text)."""
    vts, tool = resolve(tag), detect(backend)
    workdir = Path(tempfile.gettempdir()) / "vts-containerize-XXXXXXXX"
    opts = ImageOptions(image_tags=tuple(image_tags), sbom=sbom is not None, **options)
    plan = plan_build(vts, tool, opts, workdir)
    note = [f"# then: write the SBOM to {sbom}; a last build (FROM the image + LABEL {SBOM_LABEL}=<its"
            " SHA-256>) gives the tags the labelled image"] if sbom is not None else []
    commands = plan.shell(push, note)
    return DryRun(str(vts.tag), tool.describe(), plan.dockerfile, commands, plan.tags)


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
    pull: bool = False,
    target: str | None = None,
    cache_from: Sequence[str] = (),
    cache_to: str | None = None,
    echo: Callable[[str], None] | None = None,
) -> ImageResult:
    """Build an image from the vts `tag` (or a vts folder) and optionally push every tag.

    The Dockerfile is rendered again for the backend found; the build log streams to stderr
    (or `echo`; `progress="quiet"` hides it but a failure's step); a failure raises BuildError
    naming the failing step and its error. `cache_from`/`cache_to`: registry references of a
    layer cache (see `containerize.cache`). `sbom`: a path to write the image's CycloneDX SBOM to;
    its SHA-256 becomes the label `io.vtsserving.sbom.sha256`.
    """
    vts, tool = resolve(tag), detect(backend)
    opts = ImageOptions(
        image_tags=tuple(image_tags), platform=platform, build_args=build_args, labels=labels,
        no_cache=no_cache, secrets=tuple(secrets), network=network, pull=pull, target=target,
        cache_from=tuple(cache_from), cache_to=cache_to, sbom=sbom is not None,
    )
    log = BuildLog(progress_mode(progress), echo)
    with tempfile.TemporaryDirectory(prefix="vts-containerize-") as tmp:
        plan = plan_build(vts, tool, opts, Path(tmp))
        log.info(f"[vtsserving] building {', '.join(plan.tags)} from vts {vts.tag} with {tool.describe()}")
        check_disk_space(tool, Path(vts.path))
        plan.request.dockerfile.write_text(plan.dockerfile)
        built = _run_build(tool, plan.request, log)
    result = ImageResult(str(vts.tag), built, plan.tags, tool.name, tool.builder, tool.executable)
    if sbom is not None:
        _add_sbom(plan, Path(sbom), built, result, log)
    result.cache_to = _push_all(tool, _tag_cache(plan, built), log)
    if push:
        result.pushed = _push_all(tool, plan.tags, log)
    return result


def _add_sbom(plan: BuildPlan, path: Path, built: str, result: ImageResult, log: BuildLog) -> None:
    """Write the SBOM of the built image, then label the tags with its digest."""
    sbom = write_sbom(path, plan.backend, plan.tags[0], built, plan.vts.info.creation_time)
    log.info(f"[vtsserving] wrote the SBOM of {plan.tags[0]} ({sbom.python_packages} Python and "
             f"{sbom.os_packages} OS packages) to {sbom.path}")
    result.image_id = relabel(plan.backend, built, plan.tags, {SBOM_LABEL: sbom.sha256}, log)
    result.sbom, result.sbom_sha256 = sbom.path, sbom.sha256


def _tag_cache(plan: BuildPlan, built: str) -> list[str]:
    """Inline cache: the built image (before any relabel) also gets the cache references."""
    for ref in plan.cache.push_refs:
        if ref not in plan.tags:  # a tag of the image itself is the cache already
            proc = stream(plan.backend.tag_command(built, ref), plan.backend.env, BuildLog("quiet"))
            if proc != 0:
                raise BuildError(f"could not tag the built image as the cache {ref}")
    return list(plan.cache.push_refs)


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


def _push_all(tool: Backend, tags: list[str], log: BuildLog) -> list[str]:
    pushed = []
    for image in tags:
        log.info(f"[vtsserving] pushing {image}")
        push_log = BuildLog("plain" if log.mode == "plain" else "quiet", log.echo)
        rc = stream(tool.push_command(image), tool.env, push_log)
        if rc != 0:
            tail = "\n".join(f"  {line}" for line in list(push_log.tail)[-8:] if line.strip())
            raise BuildError(f"push of {image} failed ({tool.name} exited {rc}):\n{tail}")
        pushed.append(image)
    return pushed
