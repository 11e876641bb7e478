"""Deployment manifests generated from a vts: Kubernetes, KServe, kustomize, HAProxy.

    options = vtsserving.deploy.make_options({"image": "registry.example.com/iris:1.0"})
    plan = vtsserving.deploy.plan("iris_svc:latest", options)
    vtsserving.deploy.kubernetes_objects(plan)   # Deployment, Service, HPA, PDB, ServiceMonitor
    vtsserving.deploy.inference_service(plan)    # KServe InferenceService
    vtsserving.deploy.kustomize_tree(plan)       # base, components, overlays

What the vts knows (models and their sizes, port, user, protocol) comes from `facts`; the rules
that size probes and memory are in `sizing`; every check happens in `make_plan`, before output.
"""

from __future__ import annotations

from pathlib import Path

from .facts import ModelFacts, VtsFacts, k8s_name, vts_facts
from .haproxy import haproxy_config
from .kserve import inference_service
from .kubernetes import REQUEST_RATE_METRIC, kubernetes_objects
from .kustomize import kustomize_tree
from .options import DeployOptions, make_options, read_values
from .plan import Plan, make_plan
from .render import FORMATS, dump_objects, write_files


def plan(tag_or_path: str | Path, options: DeployOptions) -> Plan:
    """The plan of the vts with this tag (or in this folder) under `options`."""
    from ..vts import resolve

    return make_plan(vts_facts(resolve(tag_or_path)), options)


__all__ = [
    "FORMATS",
    "REQUEST_RATE_METRIC",
    "DeployOptions",
    "ModelFacts",
    "Plan",
    "VtsFacts",
    "dump_objects",
    "haproxy_config",
    "inference_service",
    "k8s_name",
    "kubernetes_objects",
    "kustomize_tree",
    "make_options",
    "make_plan",
    "plan",
    "read_values",
    "vts_facts",
    "write_files",
]
