"""Plain Kubernetes objects for a vts: Deployment, Service, HPA, PodDisruptionBudget, ServiceMonitor.

API versions are the stable ones every supported cluster serves: apps/v1, v1, autoscaling/v2
(1.23+), policy/v1 (1.21+); the ServiceMonitor is the Prometheus Operator's monitoring.coreos.com/v1.
"""

from __future__ import annotations

from typing import Any

from .facts import METRICS_PATH, REQUESTS_METRIC
from .plan import Plan
from .pod import (
    MODELS_ANNOTATION,
    container,
    metadata,
    pod_security,
    scrape_annotations,
    selector_labels,
    volumes,
)

# The per-pod request rate that the request-rate HPA metric reads: what a prometheus-adapter rule
# makes of the server's counter (`vts_http_requests_total` -> `vts_http_requests_per_second`).
REQUEST_RATE_METRIC = REQUESTS_METRIC.removesuffix("_total") + "_per_second"


def deployment(plan: Plan) -> dict[str, Any]:
    """Rolls one new pod in before an old one goes (maxSurge 1, maxUnavailable 0)."""
    models = ",".join(m.tag for m in plan.facts.models)
    template_meta = {"labels": metadata(plan)["labels"], "annotations": scrape_annotations(plan)}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(plan, {MODELS_ANNOTATION: models} if models else None),
        "spec": {
            "replicas": plan.replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector_labels(plan)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": template_meta, "spec": pod_spec(plan)},
        },
    }


def pod_spec(plan: Plan) -> dict[str, Any]:
    return {
        "terminationGracePeriodSeconds": plan.grace_period,
        "automountServiceAccountToken": False,
        "securityContext": pod_security(plan),
        "containers": [container(plan)],
        "volumes": volumes(),
    }


def service(plan: Plan) -> dict[str, Any]:
    """A ClusterIP Service on port 80 in front of the pods' `http` port."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(plan),
        "spec": {
            "type": "ClusterIP",
            "selector": selector_labels(plan),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def autoscaler(plan: Plan) -> dict[str, Any]:
    """Scales on CPU; with `target_rps`, also on each pod's request rate (needs prometheus-adapter)."""
    metrics: list[dict[str, Any]] = [cpu_metric(plan)]
    if plan.target_rps:
        metrics.append(request_rate_metric(plan.target_rps))
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(plan),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": plan.name},
            "minReplicas": plan.replicas,
            "maxReplicas": plan.max_replicas,
            "metrics": metrics,
            # New pods take the startup budget to serve: scale down slowly, so load spikes
            # that come back soon do not pay for a cold start each time.
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }


def cpu_metric(plan: Plan) -> dict[str, Any]:
    return {"type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": plan.target_cpu}}}


def request_rate_metric(target_rps: float) -> dict[str, Any]:
    return {"type": "Pods", "pods": {"metric": {"name": REQUEST_RATE_METRIC},
                                     "target": {"type": "AverageValue", "averageValue": _quantity(target_rps)}}}


def disruption_budget(plan: Plan) -> dict[str, Any]:
    """At most one pod down at a time for voluntary disruptions (node drains, cluster upgrades)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(plan),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(plan)}},
    }


def service_monitor(plan: Plan) -> dict[str, Any]:
    """Tells the Prometheus Operator to scrape `/metrics` of every pod behind the Service."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": metadata(plan),
        "spec": {
            "selector": {"matchLabels": selector_labels(plan)},
            "endpoints": [{"port": "http", "path": METRICS_PATH, "interval": "15s", "scrapeTimeout": "10s"}],
        },
    }


def kubernetes_objects(plan: Plan) -> list[dict[str, Any]]:
    """Every object of the plain Kubernetes target, in the order `kubectl apply` should see them."""
    objects = [deployment(plan), service(plan), autoscaler(plan), disruption_budget(plan)]
    if plan.service_monitor:
        objects.append(service_monitor(plan))
    return objects


def _quantity(value: float) -> str:
    """A rate as a Kubernetes quantity: whole numbers plain, fractions in milli-units."""
    return str(int(value)) if float(value).is_integer() else f"{round(value * 1000)}m"
