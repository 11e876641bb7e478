"""The pod both targets run: labels, the server container with its probes, security and volumes.

Probes: the startup probe waits on `/readyz` for the whole model-loading budget (liveness is
held off until then, so a slow load is never killed as a hang); readiness polls `/readyz` every
`PROBE_PERIOD_S`; liveness asks `/livez`, which answers as long as the process serves HTTP.
Shutdown: a preStop pause keeps the server answering while the endpoint removal reaches every
proxy; then SIGTERM starts the server's graceful shutdown; the grace period covers both.
"""

from __future__ import annotations

from typing import Any

from .facts import LIVENESS_PATH, METRICS_PATH, READINESS_PATH, WRITABLE_PATHS
from .plan import Plan
from .sizing import PROBE_PERIOD_S

MANAGED_BY = "vtsserving"
VTS_ANNOTATION = "vtsserving.io/vts"
MODELS_ANNOTATION = "vtsserving.io/models"


def selector_labels(plan: Plan) -> dict[str, str]:
    """The labels that pick this deployment's pods; unchanged from one vts version to the next."""
    return {"app.kubernetes.io/name": plan.name, "app.kubernetes.io/instance": plan.name}


def labels(plan: Plan) -> dict[str, str]:
    return {
        **selector_labels(plan),
        "app.kubernetes.io/version": plan.facts.tag.version or "",
        "app.kubernetes.io/component": "server",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def metadata(plan: Plan, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """An object's metadata: name, namespace, labels, and the vts it was made from."""
    meta: dict[str, Any] = {"name": plan.name}
    if plan.namespace:
        meta["namespace"] = plan.namespace
    meta["labels"] = labels(plan)
    meta["annotations"] = {VTS_ANNOTATION: str(plan.facts.tag), **(annotations or {})}
    return meta


def scrape_annotations(plan: Plan) -> dict[str, str]:
    """The `prometheus.io/*` annotations that annotation-based Prometheus scrape configs read."""
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(plan.facts.port),
            "prometheus.io/path": METRICS_PATH}


def container(plan: Plan, name: str = "server", *, readiness: str = READINESS_PATH,
              liveness: str = LIVENESS_PATH, port: Any = "http") -> dict[str, Any]:
    """The server container: image, worker count, port, resources, probes, preStop, security."""
    spec: dict[str, Any] = {
        "name": name,
        "image": plan.image,
        "imagePullPolicy": "IfNotPresent",
        # The entrypoint's `serve` passes its options on to `vtsserving serve` (the last --port wins);
        # alone it listens on SageMaker's port (8080), so the port is given, as is the worker count.
        "args": ["serve", "--port", str(plan.facts.port), "--workers", str(plan.workers)],
        "ports": [{"name": "http", "containerPort": plan.facts.port, "protocol": "TCP"}],
        "resources": _resources(plan),
        "startupProbe": _probe(readiness, port, PROBE_PERIOD_S, plan.startup_failure_threshold, timeout=2),
        "readinessProbe": _probe(readiness, port, PROBE_PERIOD_S, 2, timeout=2),
        "livenessProbe": _probe(liveness, port, 10, 3, timeout=5),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": volume, "mountPath": path} for volume, path in _volumes()],
    }
    if plan.prestop_sleep:
        spec["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", str(plan.prestop_sleep)]}}}
    return spec


def pod_security(plan: Plan) -> dict[str, Any]:
    """The pod's securityContext: the image's non-root user, the runtime's default seccomp profile."""
    uid = plan.facts.uid
    return {"runAsNonRoot": True, "runAsUser": uid, "runAsGroup": uid, "fsGroup": uid,
            "seccompProfile": {"type": "RuntimeDefault"}}


def volumes() -> list[dict[str, Any]]:
    """An emptyDir for each path the image writes to, so the root filesystem can be read-only."""
    return [{"name": volume, "emptyDir": {}} for volume, _ in _volumes()]


def _volumes() -> list[tuple[str, str]]:
    return [(path.strip("/").replace("/", "-").replace(".", "") or "root", path) for path in WRITABLE_PATHS]


def _resources(plan: Plan) -> dict[str, Any]:
    limits = {"memory": plan.memory_limit}
    if plan.cpu_limit:
        limits["cpu"] = plan.cpu_limit
    return {"requests": {"cpu": plan.cpu, "memory": plan.memory}, "limits": limits}


def _probe(path: str, port: Any, period: int, failures: int, *, timeout: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": port}, "periodSeconds": period,
            "failureThreshold": failures, "timeoutSeconds": timeout}
