"""The server configuration file: defaults, merging per-runner values, one-line errors."""

from __future__ import annotations

import re

import pytest

import vtsserving
from vtsserving.exceptions import ConfigError
from vtsserving.server.config import CONFIG_ENV, ServerConfig, load_config

FULL = """\
api_server:
  max_body_size: 1048576
  graceful_shutdown_timeout: 5
batching:
  enabled: true
  max_batch_size: 64
  max_latency_ms: 50
runners:
  iris_clf:
    max_batch_size: 32
    methods:
      predict: {max_batch_size: 8, max_latency_ms: 10}
      predict_proba: {max_latency_ms: 20}
"""


class TwoMethods(vtsserving.Runnable):
    @vtsserving.Runnable.method(batchable=True)
    def predict(self, x):
        return x

    @vtsserving.Runnable.method(batchable=True)
    def predict_proba(self, x):
        return x

    @vtsserving.Runnable.method(batchable=True)
    def transform(self, x):
        return x


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)


def _write(tmp_path, text, name="config.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_no_path_gives_the_defaults():
    config = load_config(None)
    assert config == ServerConfig()
    assert config.api_server.max_body_size == 20 * 1024 * 1024
    assert config.api_server.graceful_shutdown_timeout == 20
    assert config.batching.enabled is True
    assert config.runners == {}
    assert config.runner_overrides("any") == {"max_batch_size": None, "max_latency_ms": None, "methods": {}}


def test_empty_file_gives_the_defaults(tmp_path):
    assert load_config(str(_write(tmp_path, ""))) == ServerConfig()


def test_full_file_is_read(tmp_path):
    config = load_config(str(_write(tmp_path, FULL)))
    assert config.api_server.max_body_size == 1048576
    assert config.api_server.graceful_shutdown_timeout == 5
    assert (config.batching.max_batch_size, config.batching.max_latency_ms) == (64, 50)
    assert config.runners["iris_clf"].methods["predict"].max_batch_size == 8


def test_runner_overrides_merge_global_runner_and_method_values(tmp_path):
    config = load_config(str(_write(tmp_path, FULL)))
    assert config.runner_overrides("iris_clf") == {
        "max_batch_size": 32,  # the runner's own
        "max_latency_ms": 50,  # the global batching value
        "methods": {"predict": {"max_batch_size": 8, "max_latency_ms": 10},
                    "predict_proba": {"max_latency_ms": 20}},
    }
    assert config.runner_overrides("other") == {"max_batch_size": 64, "max_latency_ms": 50, "methods": {}}
    # ... and applied to a runner, per-method values win over the runner's and the global ones
    runner = vtsserving.Runner(TwoMethods, name="iris_clf", max_batch_size=4, max_latency_ms=1000)
    runner.configure(**config.runner_overrides(runner.name))
    assert (runner.predict.max_batch_size, runner.predict.max_latency_ms) == (8, 10)
    assert (runner.predict_proba.max_batch_size, runner.predict_proba.max_latency_ms) == (32, 20)
    assert (runner.transform.max_batch_size, runner.transform.max_latency_ms) == (32, 50)


def test_env_variable_is_used_without_a_path(tmp_path, monkeypatch):
    env_file = _write(tmp_path, "api_server: {max_body_size: 123}\n", "env.yaml")
    monkeypatch.setenv(CONFIG_ENV, str(env_file))
    assert load_config().api_server.max_body_size == 123
    assert load_config(None).api_server.max_body_size == 123
    given = _write(tmp_path, "api_server: {max_body_size: 456}\n", "given.yaml")
    assert load_config(str(given)).api_server.max_body_size == 456  # an explicit path wins
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="missing.yaml"):
        load_config()


def test_tilde_in_the_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    _write(tmp_path, "batching: {enabled: false}\n")
    assert load_config("~/config.yaml").batching.enabled is False


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("batching:\n  max_batch: 3\n", "batching.max_batch", "unknown key"),
        ("servers: {}\n", "servers", "unknown key"),
        ("runners:\n  clf:\n    methods:\n      predict: {latency: 3}\n",
         "runners.clf.methods.predict.latency", "unknown key"),
        ("api_server:\n  max_body_size: twenty\n", "api_server.max_body_size", "valid integer"),
        ("batching:\n  enabled: maybe\n", "batching.enabled", "valid boolean"),
        ("runners:\n  clf: {max_batch_size: 0}\n", "runners.clf.max_batch_size", "greater than or equal to 1"),
        ("batching: [1, 2]\n", "batching", "valid dictionary"),
    ],
    ids=["unknown-nested", "unknown-top", "unknown-method-key", "int", "bool", "range", "not-a-mapping"],
)
def test_invalid_values_are_one_line_naming_file_and_key(tmp_path, text, key, reason):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: ")
    assert reason in message
    assert info.value.status_code == 400 and info.value.exit_code == 2


def test_missing_file_is_one_line_naming_it(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message and "No such file" in message


def test_invalid_yaml_is_one_line_naming_the_file_and_line(tmp_path):
    path = _write(tmp_path, "batching: [1,\n  enabled: true\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    message = str(info.value)
    assert str(path) in message and "YAML" in message
    assert "\n" not in message
    assert "<unicode string>" not in message and re.search(r"\(line \d+\)", message)
