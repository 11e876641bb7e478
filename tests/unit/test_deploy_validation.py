"""The generated manifests against the real API schemas, offline (no cluster can run here).

- core objects: kubernetes-validate's strict schemas (unknown fields rejected) at the oldest and
  the newest Kubernetes version it ships;
- the InferenceService: built from the kserve SDK's generated models (V1beta1InferenceService and
  the kubernetes client's V1Container, ...) and serialized back: nothing may be lost;
- the ServiceMonitor: cloudcoil's models, generated from the Prometheus Operator's CRD (v0.80),
  validated and dumped back: patterns (durations) are checked and nothing may be lost;
- the kustomize overlays: rendered by the real kustomize (built into kubectl), then validated.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from _deploy_vts import make_vts

from vtsserving import deploy

kubernetes_validate = pytest.importorskip("kubernetes_validate")
from kubernetes_validate import utils as kv  # noqa: E402

IMAGE = "registry.example.com/ml/iris:1.0"
OLDEST, NEWEST = kv.all_versions()[0], kv.all_versions()[-1]
CORE = ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget")


@pytest.fixture
def plan(tmp_path: Path) -> deploy.Plan:
    vts = make_vts(tmp_path / "vts", model_bytes=3 * 2**30)
    options = deploy.make_options({"image": IMAGE, "namespace": "ml", "target_rps": 40, "load_time": 12.5})
    return deploy.make_plan(deploy.vts_facts(vts), options)


def _validate_core(obj: dict[str, Any], version: str) -> None:
    kv.validate(obj, version, strict=True)


def test_the_versions_are_the_oldest_and_newest_shipped() -> None:
    assert OLDEST.startswith("1.") and NEWEST.startswith("1.")
    assert [int(x) for x in OLDEST.split(".")[:2]] < [int(x) for x in NEWEST.split(".")[:2]]


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_core_objects_validate_strictly(plan: deploy.Plan, version: str) -> None:
    objects = {o["kind"]: o for o in deploy.kubernetes_objects(plan)}
    for kind in CORE:
        _validate_core(objects[kind], version)


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_strict_validation_catches_a_misspelt_field(plan: deploy.Plan, version: str) -> None:
    dep = deploy.kubernetes_objects(plan)[0]
    dep["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSecond"] = 5
    with pytest.raises(kv.ValidationError, match="periodSecond"):
        _validate_core(dep, version)


# --- KServe ----------------------------------------------------------------------------------


KSERVE_PYTHON = Path(__file__).resolve().parents[2] / ".venv-kserve" / "bin" / "python"


def _kserve(isvc: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """The InferenceService through the kserve SDK, in its own venv (see _kserve_round_trip.py)."""
    if not KSERVE_PYTHON.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{KSERVE_PYTHON} is missing: scripts/test.sh makes it")
        pytest.skip("no .venv-kserve: run scripts/test.sh once to make it")
    script = Path(__file__).with_name("_kserve_round_trip.py")
    return subprocess.run([str(KSERVE_PYTHON), str(script)], input=json.dumps(isvc), capture_output=True,
                          text=True, timeout=120)


def _round_trip(isvc: dict[str, Any]) -> dict[str, Any]:
    result = _kserve(isvc)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("mlflow", [True, False])
def test_inference_service_survives_the_kserve_sdk(tmp_path: Path, mlflow: bool) -> None:
    vts = make_vts(tmp_path / "vts", mlflow=mlflow)
    isvc = deploy.inference_service(deploy.make_plan(deploy.vts_facts(vts), deploy.make_options({"image": IMAGE})))
    assert _round_trip(isvc) == isvc


def test_kserve_check_catches_an_unknown_field(plan: deploy.Plan) -> None:
    isvc = deploy.inference_service(plan)
    isvc["spec"]["predictor"]["replicas"] = 2  # not a predictor field (minReplicas is)
    result = _kserve(isvc)
    assert result.returncode == 3 and "replicas" in result.stderr


# --- ServiceMonitor --------------------------------------------------------------------------


def _service_monitor_round_trip(obj: dict[str, Any]) -> dict[str, Any]:
    from cloudcoil.models.prometheus_operator.v1 import ServiceMonitor

    return ServiceMonitor.model_validate(obj).model_dump(by_alias=True, exclude_none=True, mode="json")


def test_service_monitor_matches_the_crd_models(plan: deploy.Plan) -> None:
    pytest.importorskip("cloudcoil.models.prometheus_operator", reason="in the `test` extra")
    monitor = deploy.kubernetes_objects(plan)[-1]
    assert monitor["kind"] == "ServiceMonitor"
    assert _service_monitor_round_trip(monitor) == monitor
    endpoint = monitor["spec"]["endpoints"][0]
    bad = {**monitor, "spec": {**monitor["spec"], "endpoints": [{**endpoint, "interval": "15 seconds"}]}}
    with pytest.raises(ValueError, match="interval"):
        _service_monitor_round_trip(bad)
    service = deploy.kubernetes_objects(plan)[1]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}


# --- kustomize -------------------------------------------------------------------------------


def _kustomize() -> list[str]:
    if shutil.which("kustomize"):
        return [shutil.which("kustomize"), "build"]
    if shutil.which("kubectl"):
        return [shutil.which("kubectl"), "kustomize"]
    pytest.skip("neither kustomize nor kubectl (which has kustomize built in) is installed")


def _render(folder: Path) -> list[dict[str, Any]]:
    proc = subprocess.run([*_kustomize(), str(folder)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_overlays_render_with_kustomize_and_validate(plan: deploy.Plan, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "k8s"
    deploy.write_files(deploy.kustomize_tree(plan, fmt), out)
    staging = {o["kind"]: o for o in _render(out / "overlays" / "staging")}
    production = {o["kind"]: o for o in _render(out / "overlays" / "production")}
    assert set(staging) == {"Deployment", "Service", "PodDisruptionBudget"}
    assert staging["Deployment"]["spec"]["replicas"] == 1
    assert set(production) == {*CORE, "ServiceMonitor"}
    assert production["Deployment"] == deploy.kubernetes_objects(plan)[0]
    rate = production["HorizontalPodAutoscaler"]["spec"]["metrics"][-1]
    assert rate["pods"]["metric"]["name"] == deploy.REQUEST_RATE_METRIC
    for version in (OLDEST, NEWEST):
        for rendered in (staging, production):
            for kind, obj in rendered.items():
                if kind != "ServiceMonitor":
                    _validate_core(obj, version)
    if _installed("cloudcoil.models.prometheus_operator"):
        monitor = production["ServiceMonitor"]
        assert _service_monitor_round_trip(monitor) == monitor


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
