"""A KServe `InferenceService` (serving.kserve.io/v1beta1) with the vts image as a custom predictor.

KServe runs the image as it is: no storage initializer (the models are inside the image), the
same probes, resources, security and shutdown as the Deployment. The predictor runs in KServe's
RawDeployment mode (a Deployment, a Service and an HPA, no Knative), where every pod field the
Deployment uses is allowed. When the server speaks KServe's V2 (Open Inference) protocol, that
is, for an MLflow model, the probes use V2's own health routes and the object says `v2`.
"""

from __future__ import annotations

from typing import Any

from .facts import METRICS_PATH, V2_LIVENESS_PATH, V2_READINESS_PATH
from .plan import Plan
from .pod import container, metadata, pod_security, volumes

PROTOCOL_ANNOTATION = "vtsserving.io/protocol"


def inference_service(plan: Plan) -> dict[str, Any]:
    facts = plan.facts
    probes = {"readiness": V2_READINESS_PATH, "liveness": V2_LIVENESS_PATH} if facts.v2 else {}
    server = container(plan, "kserve-container", port=facts.port, **probes)
    annotations = {
        "serving.kserve.io/deploymentMode": "RawDeployment",
        "serving.kserve.io/autoscalerClass": "hpa",
        "serving.kserve.io/enable-prometheus-scraping": "true",
        "prometheus.kserve.io/port": str(facts.port),
        "prometheus.kserve.io/path": METRICS_PATH,
        PROTOCOL_ANNOTATION: "v2" if facts.v2 else "rest",
    }
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": metadata(plan, annotations),
        "spec": {
            "predictor": {
                "minReplicas": plan.replicas,
                "maxReplicas": plan.max_replicas,
                "scaleMetric": "cpu",
                "scaleTarget": plan.target_cpu,
                "terminationGracePeriodSeconds": plan.grace_period,
                "automountServiceAccountToken": False,
                "securityContext": pod_security(plan),
                "containers": [server],
                "volumes": volumes(),
            },
        },
    }
