"""Image references: a rollout needs a pinned image, so a reference must carry a tag or a digest."""

from __future__ import annotations

import re

# The reference grammar of the OCI distribution spec (docker/distribution's reference package),
# written out: [host[:port]/]path[:tag][@algorithm:hex].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"^(?:(?P<host>{_HOST})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?$"
)


def check_image(image: str) -> str:
    """`image` unchanged when it names a tag or digest; ValueError saying what is wrong otherwise."""
    match = _REFERENCE.match(image)
    if match is None:
        raise ValueError(f"{image!r} is not an image reference like registry.example.com/team/name:1.0")
    if not match["tag"] and not match["digest"]:
        raise ValueError(
            f"{image!r} has no tag: give IMAGE:TAG or IMAGE@sha256:DIGEST (a bare name means :latest, "
            "which a rolling update cannot tell from the image it replaces)"
        )
    return image
