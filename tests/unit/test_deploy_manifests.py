"""`vtsserving deploy`: manifests drawn from what the vts knows, the sizing rules, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from _deploy_vts import MODEL, VERSION, make_vts
from click.testing import CliRunner, Result

from vtsserving import deploy
from vtsserving.cli import cli
from vtsserving.deploy import facts as facts_module
from vtsserving.deploy import sizing
from vtsserving.exceptions import InvalidArgument

IMAGE = "registry.example.com/ml/iris:1.0"
GiB = 2**30


def _plan(root: Path, model_bytes: int = 2048, mlflow: bool = True, **options: object) -> deploy.Plan:
    vts = make_vts(root, model_bytes=model_bytes, mlflow=mlflow)
    return deploy.make_plan(deploy.vts_facts(vts), deploy.make_options({"image": IMAGE, **options}))


def _kinds(objects: list[dict]) -> dict[str, dict]:
    return {obj["kind"]: obj for obj in objects}


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_facts_come_from_the_vts_and_the_image(tmp_path: Path) -> None:
    from vtsserving.containerize.dockerfile import UID, VTS_PATH
    from vtsserving.server.config import ApiServerConfig
    from vtsserving.server.metrics import REQUESTS

    facts = deploy.vts_facts(make_vts(tmp_path / "a", model_bytes=5000))
    assert facts.tag.version == VERSION and facts.routes == ("/predict",)
    assert [m.tag for m in facts.models] == [MODEL] and facts.model_bytes == 5000
    assert facts.v2 and not deploy.vts_facts(make_vts(tmp_path / "b", mlflow=False)).v2
    assert (facts.port, facts.uid) == (3000, UID) and facts.k8s_name == "iris-svc"
    assert facts.graceful_timeout == ApiServerConfig().graceful_shutdown_timeout
    assert f"{facts_module.HOME}/vts" == VTS_PATH
    assert f"{REQUESTS._name}_total" == facts_module.REQUESTS_METRIC
    assert "EXPOSE 3000" in (Path(__file__).parents[2] / "templates" / "base.j2").read_text()


@pytest.mark.parametrize(("name", "label"), [("iris_svc", "iris-svc"), ("9.lives", "vts-9-lives"), ("a" * 70, "a" * 63)])
def test_vts_names_become_dns_labels(name: str, label: str) -> None:
    assert deploy.k8s_name(name) == label


def test_deployment_probes_shutdown_and_security(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    objects = _kinds(deploy.kubernetes_objects(plan))
    assert list(objects) == ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor"]
    dep = objects["Deployment"]
    pod = dep["spec"]["template"]
    (server,) = pod["spec"]["containers"]
    startup, ready, live = server["startupProbe"], server["readinessProbe"], server["livenessProbe"]
    assert startup["httpGet"]["path"] == ready["httpGet"]["path"] == "/readyz" and live["httpGet"]["path"] == "/livez"
    assert startup["periodSeconds"] * startup["failureThreshold"] == plan.startup_budget >= 3 * plan.load_time
    assert server["args"] == ["serve", "--port", "3000", "--workers", "1"]  # `serve` alone: 8080
    assert server["ports"][0]["containerPort"] == 3000 and "env" not in server
    assert server["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    assert pod["spec"]["terminationGracePeriodSeconds"] > 5 + plan.facts.graceful_timeout
    assert dep["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    assert server["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                         "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}
    assert pod["spec"]["securityContext"]["runAsUser"] == plan.facts.uid
    mounts = {m["mountPath"]: m["name"] for m in server["volumeMounts"]}
    assert set(mounts) == set(facts_module.WRITABLE_PATHS)
    assert {v["name"] for v in pod["spec"]["volumes"] if "emptyDir" in v} == set(mounts.values())
    labels = pod["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget", "ServiceMonitor"):
        spec = objects[kind]["spec"]
        assert (spec["selector"].get("matchLabels") or spec["selector"]).items() <= labels.items(), kind
    assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert objects["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"]
    assert dep["metadata"]["annotations"] == {"vtsserving.io/vts": f"iris_svc:{VERSION}", "vtsserving.io/models": MODEL}


def test_startup_budget_follows_model_size_or_measured_load_time(tmp_path: Path) -> None:
    assert _plan(tmp_path / "a").startup_budget == sizing.MIN_STARTUP_S
    big = _plan(tmp_path / "b", model_bytes=10 * GiB)
    assert big.load_time == round(sizing.STARTUP_BASE_S + 10 * GiB / sizing.LOAD_BYTES_PER_S, 1) == 224.8
    assert big.startup_budget == 675 and not big.load_time_measured
    measured = _plan(tmp_path / "c", load_time=40)
    assert measured.startup_budget == 120 and measured.load_time_measured
    assert _plan(tmp_path / "d", startup_timeout=301).startup_budget == 305  # whole probe periods


def test_memory_and_workers_follow_cpu_and_model_size(tmp_path: Path) -> None:
    plan = _plan(tmp_path / "a", model_bytes=GiB, cpu="2500m")
    assert plan.workers == 2
    assert plan.memory == plan.memory_limit == f"{2 * (384 + 2 * 1024)}Mi"
    assert _plan(tmp_path / "b", memory="1Gi").memory_limit == "1Gi"
    assert _plan(tmp_path / "c", workers=3).workers == 3


@pytest.mark.parametrize(("options", "message"), [
    ({"replicas": -1}, "--replicas -1: Input should be greater than or equal to 1"),
    ({"replicas": 0}, "--replicas 0:"),
    ({"image": "registry.example.com/ml/iris"}, "has no tag"),
    ({"image": "Iris:1"}, "is not an image reference"),
    ({"memory_limit": "1Gi"}, "--memory-limit 1Gi is below the models' size: 1.50 GiB x 1 worker"),
    ({"memory": "2Gi", "workers": 2}, "--memory 2Gi is below the models' size: 1.50 GiB x 2 workers = 3.00 GiB"),
    ({"memory": "2Gi", "memory_limit": "1900Mi"}, "--memory-limit 1900Mi is below --memory 2Gi"),
    ({"cpu": "2", "cpu_limit": "1"}, "--cpu-limit 1 is below --cpu 2"),
    ({"cpu": "two"}, "--cpu two: 'two' is not a Kubernetes quantity"),
    ({"max_replicas": 1, "replicas": 2}, "--max-replicas 1 is below --replicas 2"),
    ({"name": "Iris_Svc"}, "--name Iris_Svc: String should match pattern"),
    ({"replica": 2}, "--replica 2: unknown key"),
])
def test_bad_options_are_refused_with_the_option_named(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        _plan(tmp_path, model_bytes=int(1.5 * GiB), **options)
    assert message in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("args", [
    ["--replicas", "-2"],
    ["--memory-limit", "100Mi"],
    ["--image", "iris"],
])
def test_cli_errors_are_one_line_and_write_nothing(tmp_path: Path, args: list[str]) -> None:
    vts = make_vts(tmp_path / "vts", model_bytes=200 * 2**20)
    out = tmp_path / "out"
    result = _run("deploy", "kubernetes", str(vts.path), "--image", IMAGE, *args, "--output-dir", str(out))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --") and "Traceback" not in result.output
    assert result.stdout == "" and not out.exists()


def test_missing_image_names_the_flag(tmp_path: Path) -> None:
    result = _run("deploy", "kserve", str(make_vts(tmp_path).path))
    assert result.exit_code == 2 and result.stderr.strip() == "Error: --image: required key is missing"


def test_values_file_then_flags(tmp_path: Path) -> None:
    vts = make_vts(tmp_path / "vts")
    values = tmp_path / "values.yaml"
    values.write_text(f"image: {IMAGE}\nreplicas: 3\ncpu: 2\nservice-monitor: false\n")
    result = _run("deploy", "kubernetes", str(vts.path), "--values", str(values), "--replicas", "4", "-o", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["kind"] == "List"
    kinds = _kinds(document["items"])
    assert kinds["Deployment"]["spec"]["replicas"] == 4 and "ServiceMonitor" not in kinds
    assert kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]["args"][-2:] == ["--workers", "2"]
    values.write_text("image: [not, a, string]\n")
    bad = _run("deploy", "kubernetes", str(vts.path), "--values", str(values))
    assert bad.exit_code == 2 and bad.stderr.strip().startswith(f"Error: {values}: image:")


def test_yaml_stream_says_how_the_startup_budget_was_chosen(tmp_path: Path) -> None:
    vts = make_vts(tmp_path / "vts")
    result = _run("deploy", "kubernetes", str(vts.path), "--image", IMAGE, "--load-time", "30", "--namespace", "ml")
    assert result.exit_code == 0, result.output
    assert "Startup probe: 90 s on /readyz (load time 30 s, measured (--load-time))" in result.stdout
    documents = list(yaml.safe_load_all(result.stdout))
    assert [d["kind"] for d in documents][:2] == ["Deployment", "Service"]
    assert {d["metadata"]["namespace"] for d in documents} == {"ml"}


def test_output_dir_is_a_kustomize_tree(tmp_path: Path) -> None:
    vts = make_vts(tmp_path / "vts")
    out = tmp_path / "k8s"
    result = _run("deploy", "kubernetes", str(vts.path), "--image", IMAGE, "--target-rps", "25", "--output-dir", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [
        "base/deployment.yaml", "base/hpa.yaml", "base/kustomization.yaml", "base/pdb.yaml", "base/service.yaml",
        "components/monitoring/kustomization.yaml", "components/monitoring/servicemonitor.yaml",
        "components/request-rate/kustomization.yaml", "overlays/production/kustomization.yaml",
        "overlays/staging/kustomization.yaml",
    ]
    base = yaml.safe_load((out / "base/kustomization.yaml").read_text())
    assert base["resources"] == ["deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"]
    hpa = yaml.safe_load((out / "base/hpa.yaml").read_text())
    assert [m["type"] for m in hpa["spec"]["metrics"]] == ["Resource"]  # the rate metric is a component
    production = yaml.safe_load((out / "overlays/production/kustomization.yaml").read_text())
    assert production["components"] == ["../../components/monitoring", "../../components/request-rate"]
    patch = yaml.safe_load(yaml.safe_load((out / "components/request-rate/kustomization.yaml").read_text())
                           ["patches"][0]["patch"])
    assert patch[0]["value"]["pods"]["metric"]["name"] == deploy.REQUEST_RATE_METRIC == "vts_http_requests_per_second"
    assert patch[0]["value"]["pods"]["target"]["averageValue"] == "25"
    json_out = tmp_path / "json"
    assert _run("deploy", "kubernetes", str(vts.path), "--image", IMAGE, "-o", "json", "--output-dir", str(json_out)).exit_code == 0
    assert json.loads((json_out / "base/deployment.json").read_text())["kind"] == "Deployment"
    assert "deployment.json" in (json_out / "base/kustomization.yaml").read_text()


def test_request_rate_metric_only_when_asked(tmp_path: Path) -> None:
    assert len(_kinds(deploy.kubernetes_objects(_plan(tmp_path / "a")))["HorizontalPodAutoscaler"]["spec"]["metrics"]) == 1
    hpa = _kinds(deploy.kubernetes_objects(_plan(tmp_path / "b", target_rps=12.5)))["HorizontalPodAutoscaler"]
    assert hpa["spec"]["metrics"][1]["pods"]["target"] == {"type": "AverageValue", "averageValue": "12500m"}


@pytest.mark.parametrize(("mlflow", "ready", "protocol"), [(True, "/v2/health/ready", "v2"), (False, "/readyz", "rest")])
def test_inference_service_uses_v2_health_where_the_server_speaks_it(
    tmp_path: Path, mlflow: bool, ready: str, protocol: str,
) -> None:
    plan = _plan(tmp_path, mlflow=mlflow)
    isvc = deploy.inference_service(plan)
    predictor = isvc["spec"]["predictor"]
    (server,) = predictor["containers"]
    assert server["name"] == "kserve-container" and server["image"] == IMAGE
    assert server["readinessProbe"]["httpGet"] == {"path": ready, "port": 3000}
    assert server["startupProbe"]["httpGet"]["path"] == ready
    assert isvc["metadata"]["annotations"]["vtsserving.io/protocol"] == protocol
    assert isvc["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "RawDeployment"
    assert (predictor["minReplicas"], predictor["maxReplicas"], predictor["scaleTarget"]) == (2, 6, 70)
    assert predictor["terminationGracePeriodSeconds"] == plan.grace_period


def test_haproxy_config_checks_readiness_and_retries(tmp_path: Path) -> None:
    result = _run("deploy", "haproxy", "--server", "127.0.0.1:3001", "--server", "127.0.0.1:3002")
    assert result.exit_code == 0, result.output
    config = result.stdout
    assert "option httpchk GET /readyz" in config and "option redispatch" in config
    assert "retry-on conn-failure empty-response" in config
    assert config.count("    server s") == 2
    bad = _run("deploy", "haproxy", "--server", "127.0.0.1")
    assert bad.exit_code == 2 and bad.stderr.strip() == "Error: --server 127.0.0.1: expected HOST:PORT, e.g. 127.0.0.1:3001"
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if haproxy is None:
        if os.environ.get("CI") == "true":
            pytest.fail("haproxy is missing: scripts/provision-docker.sh installs it")
        pytest.skip("haproxy is not installed (scripts/provision-docker.sh installs it): config syntax not checked")
    (tmp_path / "haproxy.cfg").write_text(config)
    check = subprocess.run([haproxy, "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
