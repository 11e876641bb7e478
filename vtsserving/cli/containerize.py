"""`vtsserving containerize TAG`: build an OCI image from a vts and optionally push it."""

from __future__ import annotations

import click

from ._output import echo_data


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("tag")
@click.option("-t", "--image-tag", "image_tags", multiple=True, metavar="IMAGE[:TAG]",
              help="Image name and tag (repeatable). Default: the vts name and version.")
@click.option("--backend", type=click.Choice(["docker", "buildah", "podman"]), default="docker",
              show_default=True, help="Build tool.")
@click.option("--platform", default=None, help="Target platform, e.g. linux/amd64.")
@click.option("--build-arg", "build_args", multiple=True, metavar="KEY=VALUE", help="Build argument (repeatable).")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Extra image label (repeatable).")
@click.option("--no-cache", is_flag=True, help="Build every layer again.")
@click.option("--secret", "secrets", multiple=True, metavar="id=ID,src=FILE",
              help="Build secret (repeatable). Ids netrc, pip_index_url, pip_extra_index_url and "
                   "pip_conf reach pip/uv during the install and never land in the image.")
@click.option("--network", default=None, help="Network for RUN steps, e.g. host.")
@click.option("--push", is_flag=True, help="Push every tag after the build.")
@click.option("--sbom", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
              help="Write the image's SBOM (CycloneDX JSON: every installed Python distribution) to FILE.")
@click.option("--progress", type=click.Choice(["auto", "plain", "tty"]), default="auto", show_default=True,
              help="Build log: plain lines, or a compact view on a terminal.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
def containerize(tag: str, image_tags: tuple[str, ...], backend: str, platform: str | None,
                 build_args: tuple[str, ...], labels: tuple[str, ...], no_cache: bool,
                 secrets: tuple[str, ...], network: str | None, push: bool, sbom: str | None,
                 progress: str, output: str) -> None:
    """Build a container image from the vts TAG (name[:version]) or a vts folder.

    The image serves on port 3000 (`docker run IMAGE`); `docker run IMAGE --help` and other
    vtsserving commands run inside it.
    """
    from ..containerize import build

    result = build(
        tag, image_tags=image_tags, backend=backend, platform=platform, build_args=build_args,
        labels=labels, no_cache=no_cache, secrets=secrets, push=push, progress=progress,
        network=network, sbom=sbom,
    )
    if output == "json":
        echo_data(result.to_dict(), "json")
        return
    click.secho(f"Built {', '.join(result.tags)} ({result.image_id[:19]}) with {result.builder}"
                f" via {result.executable}", fg="green")
    if result.sbom:
        click.echo(f"SBOM: {result.sbom}")
    for image in result.pushed:
        click.echo(f"Pushed {image}")
    click.echo(f"Run it: docker run --rm -p 3000:3000 {result.tags[0]}")
