"""`Plan`: the options resolved against the vts, every number decided, every conflict refused.

The manifests are drawn from a plan and nothing else, so all the checks happen here, before
anything is written: a memory limit below what the workers need to hold the models, fewer
maximum replicas than replicas, a CPU limit below the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import InvalidArgument
from . import sizing
from .facts import VtsFacts
from .options import DeployOptions, flag
from .quantity import human_bytes, mebibytes


@dataclass(frozen=True)
class Plan:
    """Every value of the manifests of one vts."""

    facts: VtsFacts
    name: str
    namespace: str | None
    image: str
    replicas: int
    max_replicas: int
    workers: int
    cpu: str
    cpu_limit: str | None
    memory: str
    memory_limit: str
    target_cpu: int
    target_rps: float | None
    load_time: float
    load_time_measured: bool
    startup_budget: int
    graceful_timeout: float
    prestop_sleep: int
    grace_period: int
    service_monitor: bool

    @property
    def startup_failure_threshold(self) -> int:
        return self.startup_budget // sizing.PROBE_PERIOD_S


def make_plan(facts: VtsFacts, options: DeployOptions) -> Plan:
    """Resolve `options` for the vts described by `facts`; InvalidArgument on a conflict."""
    cpu = options.quantity("cpu")
    workers = options.workers or sizing.default_workers(cpu)
    memory, memory_limit = _memory(facts, options, workers)
    _check_cpu(options)
    max_replicas = options.max_replicas or 3 * options.replicas
    if max_replicas < options.replicas:
        raise InvalidArgument(f"--max-replicas {max_replicas} is below --replicas {options.replicas}")
    load_time = round(options.load_time or sizing.estimated_load_time(facts.model_bytes), 1)
    budget = sizing.startup_budget(load_time, at_least=options.startup_timeout)
    graceful = facts.graceful_timeout if options.graceful_timeout is None else options.graceful_timeout
    return Plan(
        facts=facts, name=options.name or facts.k8s_name, namespace=options.namespace, image=options.image,
        replicas=options.replicas, max_replicas=max_replicas, workers=workers, cpu=options.cpu,
        cpu_limit=options.cpu_limit, memory=memory, memory_limit=memory_limit, target_cpu=options.target_cpu,
        target_rps=options.target_rps, load_time=load_time, load_time_measured=options.load_time is not None,
        startup_budget=budget, graceful_timeout=graceful, prestop_sleep=options.prestop_sleep,
        grace_period=sizing.grace_period(graceful, options.prestop_sleep), service_monitor=options.service_monitor,
    )


def _memory(facts: VtsFacts, options: DeployOptions, workers: int) -> tuple[str, str]:
    """The memory request and limit; a limit below what the workers' models need is refused."""
    default = mebibytes(sizing.default_memory(workers, facts.model_bytes))
    request = options.memory or options.memory_limit or default
    limit = options.memory_limit or request
    models = workers * facts.model_bytes
    limit_bytes = options.quantity("memory_limit") or options.quantity("memory")
    if limit_bytes is not None and limit_bytes < models:
        which = "memory_limit" if options.memory_limit else "memory"
        raise InvalidArgument(
            f"{flag(which)} {getattr(options, which)} is below the models' size: {human_bytes(facts.model_bytes)} "
            f"x {workers} worker{'s' if workers > 1 else ''} = {human_bytes(models)} (every worker loads every model)"
        )
    if options.memory and options.memory_limit and options.quantity("memory_limit") < options.quantity("memory"):
        raise InvalidArgument(f"--memory-limit {options.memory_limit} is below --memory {options.memory}")
    return request, limit


def _check_cpu(options: DeployOptions) -> None:
    limit = options.quantity("cpu_limit")
    if limit is not None and limit < options.quantity("cpu"):
        raise InvalidArgument(f"--cpu-limit {options.cpu_limit} is below --cpu {options.cpu}")
