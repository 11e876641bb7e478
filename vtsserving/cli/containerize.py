"""`vtsserving containerize TAG`: build an OCI image from a vts and optionally push it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ._help import Command, argument
from ._output import echo_data

_IMAGE_OPTIONS = [
    click.option("-t", "--image-tag", "image_tags", multiple=True, metavar="IMAGE[:TAG]",
                 help="Image name and tag (repeatable). Default: the vts name and version."),
    click.option("--backend", type=click.Choice(["docker", "buildah", "podman"]), default="docker",
                 show_default=True, help="Build tool."),
    click.option("--platform", default=None, help="Target platform, e.g. linux/amd64."),
    click.option("--build-arg", "build_args", multiple=True, metavar="KEY=VALUE", help="Build argument (repeatable)."),
    click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Extra image label (repeatable)."),
    click.option("--no-cache", is_flag=True, help="Build every layer again."),
    click.option("--pull", is_flag=True, help="Pull the base image even when a copy is present."),
    click.option("--target", default=None, metavar="STAGE",
                 help="Build only up to this stage of the Dockerfile (vts-base, vts-builder)."),
    click.option("--cache-from", "cache_from", multiple=True, metavar="REF",
                 help="Registry image or cache to reuse layers from (repeatable; default tag :buildcache)."),
    click.option("--cache-to", "cache_to", default=None, metavar="REF",
                 help="Registry reference to store the layer cache in (pushed after the build)."),
    click.option("--secret", "secrets", multiple=True, metavar="id=ID,src=FILE",
                 help="Build secret (repeatable). Ids netrc, pip_index_url, pip_extra_index_url and "
                      "pip_conf reach pip/uv during the install and never land in the image."),
    click.option("--network", default=None, help="Network for RUN steps, e.g. host."),
    click.option("--push", is_flag=True, help="Push every tag after the build."),
    click.option("--sbom", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
                 help="Write the image's SBOM (CycloneDX JSON: Python and OS packages) to FILE and "
                      "label the image with its SHA-256."),
    click.option("--progress", type=click.Choice(["auto", "plain", "tty"]), default="auto", show_default=True,
                 help="Build log: plain lines, or a compact view on a terminal."),
    click.option("--dry-run", is_flag=True,
                 help="Print the rendered Dockerfile and the exact build commands; build nothing."),
]
IMAGE_OPTION_NAMES = ("image_tags", "backend", "platform", "build_args", "labels", "no_cache", "pull", "target",
                      "cache_from", "cache_to", "secrets", "network", "push", "sbom", "progress", "dry_run")


def image_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The image options of `containerize`, for every command that builds an image."""
    for option in reversed(_IMAGE_OPTIONS):
        func = option(func)
    return func


def run_containerize(tag: str, opts: dict[str, Any], quiet: bool, output: str) -> None:
    """Build (or dry-run) the image of the vts `tag` and print the outcome."""
    from ..containerize import build, dry_run

    opts = dict(opts)
    if opts.pop("dry_run"):
        opts.pop("progress")
        echo_dry_run(dry_run(tag, **opts), output)
        return
    result = build(tag, **{**opts, "progress": "quiet" if quiet else opts["progress"]})
    if output == "json":
        echo_data(result.to_dict(), "json")
    elif quiet:
        click.echo(result.image_id)
    else:
        echo_result(result)


def echo_dry_run(plan: Any, output: str) -> None:
    if output == "json":
        echo_data(plan.to_dict(), "json")
        return
    click.echo(f"# Dockerfile for vts {plan.vts} ({plan.backend})")
    click.echo(plan.dockerfile.rstrip())
    click.echo("\n# Commands (the Dockerfile path is the temporary file the build writes)")
    click.echo(plan.commands)


def echo_result(result: Any) -> None:
    click.secho(f"Built {', '.join(result.tags)} ({result.image_id[:19]}) with {result.builder}"
                f" via {result.executable}", fg="green")
    if result.sbom:
        click.echo(f"SBOM: {result.sbom} (sha256 {result.sbom_sha256})")
    for ref in result.cache_to:
        click.echo(f"Cache: {ref}")
    for image in result.pushed:
        click.echo(f"Pushed {image}")
    click.echo(f"Run it: docker run --rm -p 3000:3000 {result.tags[0]}")


@click.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"]}, examples=[
    "vtsserving containerize iris_classifier:latest",
    "vtsserving containerize iris_classifier:latest -t registry.example.com/ml/iris:1.0 --push",
    "vtsserving containerize iris_classifier:latest --dry-run",
])
@argument("tag", help="The vts to build: NAME[:VERSION] in the local store (VERSION defaults to latest; a "
                      "unique prefix of it works), or the path of a vts folder.")
@image_options
@click.option("-q", "--quiet", is_flag=True, help="No build log: print the image id only (errors still show).")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
def containerize(tag: str, quiet: bool, output: str, **opts: Any) -> None:
    """Build a container image from the vts TAG (name[:version]) or a vts folder.

    The image serves on port 3000 (`docker run IMAGE`); `docker run IMAGE --help` and other
    vtsserving commands run inside it.
    """
    run_containerize(tag, opts, quiet, output)
