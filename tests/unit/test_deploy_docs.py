"""The deployment guide shows what `vtsserving deploy` generates, and its picture follows the code."""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from _deploy_vts import SNIPPETS, doc_snippets

from vtsserving import deploy
from vtsserving.deploy import facts

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guides" / "deployment.md"
HOOK = ROOT / "docs" / "hooks" / "rollout.py"


def test_generated_snippets_are_current(tmp_path: Path) -> None:
    for name, text in doc_snippets(tmp_path).items():
        assert (SNIPPETS / name).read_text() == text, (
            f"docs/snippets/{name} is stale: regenerate it with `python tests/unit/_deploy_vts.py`"
        )


def test_values_snippet_is_a_valid_options_file() -> None:
    values = deploy.read_values(SNIPPETS / "deploy_values.yaml")
    options = deploy.make_options({}, file_values=values, file=SNIPPETS / "deploy_values.yaml")
    assert options.load_time == 140 and options.workers == 2 and options.target_rps == 50


def test_prometheus_adapter_rule_makes_the_metric_the_autoscaler_reads() -> None:
    (rule,) = yaml.safe_load((SNIPPETS / "deploy_prometheus_adapter.yaml").read_text())["rules"]
    assert rule["seriesQuery"].startswith(facts.REQUESTS_METRIC + "{")
    renamed = re.sub(rule["name"]["matches"], rule["name"]["as"].replace("${1}", r"\1"), facts.REQUESTS_METRIC)
    assert renamed == deploy.REQUEST_RATE_METRIC
    for probe in (facts.LIVENESS_PATH, facts.READINESS_PATH, facts.METRICS_PATH):
        assert probe in rule["seriesQuery"]  # probes and scrapes are not traffic


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("docs_rollout_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as mkdocs does: its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_rollout_picture_states_the_numbers_of_the_code(hook) -> None:
    from vtsserving.deploy import sizing

    svg = ET.fromstring(hook.rollout_svg())
    assert svg.get("width") == "100%"
    _, _, width, height = (float(v) for v in svg.get("viewBox").split())
    text = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    grace = sizing.grace_period(facts.VtsFacts.graceful_timeout, 5)
    assert f"terminationGracePeriodSeconds {grace} s" in text
    assert f"every {sizing.PROBE_PERIOD_S} s for {sizing.STARTUP_FACTOR} x the load time" in text
    assert f"at least {sizing.MIN_STARTUP_S} s" in text and "GET /livez" in text
    for el in svg.iter():
        for attr, limit in (("x", width), ("x1", width), ("x2", width), ("y", height), ("y1", height), ("y2", height)):
            if el.get(attr) is not None:
                assert 0 <= float(el.get(attr)) <= limit, (el.tag, attr, el.get(attr))
    assert f"]({Path(hook.SVG_URI).name})" in PAGE.read_text()
