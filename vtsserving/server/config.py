"""Server configuration: a YAML file (`--config` or `VTSSERVING_CONFIG`) validated by pydantic.

    api_server: {max_body_size: 20971520, graceful_shutdown_timeout: 20, keep_alive_timeout: 5,
                 header_timeout: 10, body_timeout: 60, max_connections: 4096, preload: true}
    batching: {enabled: true, max_batch_size: 100, max_latency_ms: 1000}   # every runner
    runners:
      iris_clf:
        max_batch_size: 50
        max_latency_ms: 20
        methods: {predict: {max_batch_size: 32, max_latency_ms: 10}}

Configuration overrides what the code sets; per-method values override per-runner ones.
`max_latency_ms` is every runner method's latency budget, batched or not: a call that could not
finish within it is refused with 503 + Retry-After (admission control).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._validation import validation_message
from .._yaml import read_yaml_file
from ..exceptions import ConfigError

CONFIG_ENV = "VTSSERVING_CONFIG"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MethodConfig(_Strict):
    max_batch_size: int | None = Field(None, ge=1)
    max_latency_ms: float | None = Field(None, gt=0)


class RunnerConfig(MethodConfig):
    methods: dict[str, MethodConfig] = {}


class BatchingConfig(MethodConfig):
    enabled: bool = True


class ApiServerConfig(_Strict):
    max_body_size: int = Field(20 * 1024 * 1024, ge=1)
    graceful_shutdown_timeout: float = Field(20, ge=0)
    # Seconds an idle keep-alive connection stays open; keep it above a load balancer's idle timeout.
    keep_alive_timeout: float = Field(5, gt=0)
    # Slow clients: a request head must arrive within header_timeout, its body within
    # body_timeout; past max_connections a worker drops the connection idle the longest.
    header_timeout: float = Field(10, gt=0)
    body_timeout: float = Field(60, gt=0)
    max_connections: int = Field(4096, ge=1)
    # Import the service once and fork the workers from it (Linux); false: each worker is a new
    # interpreter that imports the service itself (for a service whose import starts threads).
    preload: bool = True


class ServerConfig(_Strict):
    api_server: ApiServerConfig = ApiServerConfig()
    batching: BatchingConfig = BatchingConfig()
    runners: dict[str, RunnerConfig] = {}

    def runner_overrides(self, name: str) -> dict[str, Any]:
        """Keyword arguments for `Runner.configure` (global defaults, then the runner's)."""
        own = self.runners.get(name, RunnerConfig())
        return {
            "max_batch_size": own.max_batch_size or self.batching.max_batch_size,
            "max_latency_ms": own.max_latency_ms or self.batching.max_latency_ms,
            "methods": {k: v.model_dump(exclude_none=True) for k, v in own.methods.items()},
        }


def load_config(path: str | None = None) -> ServerConfig:
    """The configuration in `path` (or `$VTSSERVING_CONFIG`), or the defaults."""
    path = path or os.environ.get(CONFIG_ENV)
    if not path:
        return ServerConfig()
    file = Path(path).expanduser()
    data = read_yaml_file(file, "configuration ")
    try:
        return ServerConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{file}: {validation_message(exc)}") from None
