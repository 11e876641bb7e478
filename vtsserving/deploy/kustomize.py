"""A kustomize tree: a base, two optional components and two overlays, all plain YAML.

    base/                    Deployment, Service, HPA (CPU), PodDisruptionBudget
    components/monitoring/   the ServiceMonitor (needs the Prometheus Operator's CRDs)
    components/request-rate/ adds the request-rate metric to the HPA (needs prometheus-adapter)
    overlays/staging/        one replica, no autoscaler
    overlays/production/     the base with monitoring (and request-rate when --target-rps is set)

Kustomize rather than Helm: every file is valid Kubernetes YAML as written (the base validates
like the single-file output), `kubectl apply -k` renders it with no other tool, and the test
suite renders the overlays with the real kustomize inside kubectl. A Helm chart's Go templates
could only be rendered here by a renderer of our own: no helm binary is installable (not on
PyPI or in Debian).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import yaml

from .kubernetes import (
    autoscaler,
    deployment,
    disruption_budget,
    request_rate_metric,
    service,
    service_monitor,
)
from .plan import Plan

KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"
COMPONENT_API = "kustomize.config.k8s.io/v1alpha1"
EXAMPLE_RPS = 100.0  # the request-rate component's target when --target-rps is not given


def kustomize_tree(plan: Plan, fmt: str = "yaml") -> dict[str, Any]:
    """Relative path -> the object to write there (resources in `fmt`, kustomizations in YAML)."""
    ext = "json" if fmt == "json" else "yaml"
    cpu_only = replace(plan, target_rps=None)
    base = {f"deployment.{ext}": deployment(plan), f"service.{ext}": service(plan),
            f"hpa.{ext}": autoscaler(cpu_only), f"pdb.{ext}": disruption_budget(plan)}
    tree: dict[str, Any] = {f"base/{name}": obj for name, obj in base.items()}
    tree["base/kustomization.yaml"] = _kustomization(resources=list(base))
    tree[f"components/monitoring/servicemonitor.{ext}"] = service_monitor(plan)
    tree["components/monitoring/kustomization.yaml"] = _component(resources=[f"servicemonitor.{ext}"])
    tree["components/request-rate/kustomization.yaml"] = _request_rate(plan)
    tree["overlays/staging/kustomization.yaml"] = _staging(plan)
    components = ["../../components/monitoring"] if plan.service_monitor else []
    if plan.target_rps:
        components.append("../../components/request-rate")
    tree["overlays/production/kustomization.yaml"] = _kustomization(resources=["../../base"], components=components)
    return tree


def _kustomization(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization", **{k: v for k, v in fields.items() if v}}


def _component(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": COMPONENT_API, "kind": "Component", **fields}


def _request_rate(plan: Plan) -> dict[str, Any]:
    add = [{"op": "add", "path": "/spec/metrics/-", "value": request_rate_metric(plan.target_rps or EXAMPLE_RPS)}]
    target = {"group": "autoscaling", "version": "v2", "kind": "HorizontalPodAutoscaler", "name": plan.name}
    return _component(patches=[{"target": target, "patch": yaml.safe_dump(add, sort_keys=False)}])


def _staging(plan: Plan) -> dict[str, Any]:
    delete_hpa = {"$patch": "delete", "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                  "metadata": {"name": plan.name, **({"namespace": plan.namespace} if plan.namespace else {})}}
    return _kustomization(
        resources=["../../base"],
        replicas=[{"name": plan.name, "count": 1}],
        patches=[{"patch": yaml.safe_dump(delete_hpa, sort_keys=False)}],
    )

