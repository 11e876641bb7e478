"""What a vts and its image tell a deployment: APIs, models and their sizes, port, user, protocol.

Everything here is read from the vts folder (`vts.yaml`, `models/`) and from the constants the
image and the server are built with, so the manifests follow the code rather than a copy of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..containerize.dockerfile import UID, VTS_PATH
from ..server.config import ApiServerConfig
from ..store import folder_size
from ..tag import Tag
from ..vts import Vts

PORT = 3000  # EXPOSE and the entrypoint's default for $PORT (templates/base.j2)
HOME = str(Path(VTS_PATH).parent)  # the image user's home folder
LIVENESS_PATH = "/livez"  # 200 while the process serves HTTP
READINESS_PATH = "/readyz"  # 503 until every worker has loaded its models
METRICS_PATH = "/metrics"
V2_LIVENESS_PATH = "/v2/health/live"  # KServe's Open Inference Protocol (server/v2.py)
V2_READINESS_PATH = "/v2/health/ready"
REQUESTS_METRIC = "vts_http_requests_total"  # server/metrics.py
# Where the image writes at run time (checked with `docker diff` after serving, and by the
# read-only e2e test): tempfile's folder (the ready and Prometheus multiprocess folders of a
# multi-worker server) and the user's config folder (MLflow writes its telemetry file there).
WRITABLE_PATHS = ("/tmp", f"{HOME}/.config")


@dataclass(frozen=True)
class ModelFacts:
    """One model inside the vts: its tag, the framework module that saved it, its size on disk."""

    tag: str
    module: str
    size: int


@dataclass(frozen=True)
class VtsFacts:
    """The facts of one vts that its manifests are made from."""

    tag: Tag
    service: str
    routes: tuple[str, ...]
    models: tuple[ModelFacts, ...]
    v2: bool  # the server speaks KServe's V2 protocol (it serves an MLflow model)
    port: int = PORT
    uid: int = UID
    graceful_timeout: float = ApiServerConfig().graceful_shutdown_timeout

    @property
    def model_bytes(self) -> int:
        return sum(m.size for m in self.models)

    @property
    def k8s_name(self) -> str:
        """The vts name as a Kubernetes name (`iris_svc` -> `iris-svc`)."""
        return k8s_name(self.tag.name)


def vts_facts(vts: Vts) -> VtsFacts:
    """The facts of `vts` (a `vtsserving.vts.Vts`)."""
    info = vts.info
    models = tuple(ModelFacts(m.tag, m.module, _model_size(vts, m.tag)) for m in info.models)
    return VtsFacts(
        tag=vts.tag, service=info.service, routes=tuple(api.route for api in info.apis), models=models,
        v2=_serves_v2(vts),
    )


def _model_size(vts: Vts, tag: str) -> int:
    """Bytes of the model's copy under the vts's `models/` (same layout as the model store)."""
    parsed = Tag.from_str(tag)
    return folder_size(vts.path_of(f"models/{parsed.name}/{parsed.version or ''}"))


def _model_size(vts: Vts, tag: str) -> int:
    """Bytes of the model's copy under the vts's `models/` (same layout as the model store)."""
    parsed = Tag.from_str(tag)
    return folder_size(vts.path_of(f"models/{parsed.name}/{parsed.version or ''}"))


def k8s_name(name: str) -> str:
    """A DNS-1035 label from a vts name: lower case, `_` and `.` become `-`, at most 63 characters."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if label[:1].isdigit():
        label = f"vts-{label}"
    return label[:63].rstrip("-")


def _serves_v2(vts: Vts) -> bool:
    """True when a runner runs exactly one imported MLflow model: the server has V2 routes for it."""
    from ..frameworks.mlflow import MODULE_NAME, PYFUNC_PREDICT

    modules = {m.tag: m.module for m in vts.info.models}
    return any(
        len(r.models) == 1 and modules.get(r.models[0]) == MODULE_NAME and PYFUNC_PREDICT in r.methods
        for r in vts.info.runners
    )
