"""Runnables and Runners: how a service calls its models."""

from .runnable import Runnable, RunnableMethodConfig
from .runner import Runner, RunnerMethod

__all__ = ["Runnable", "RunnableMethodConfig", "Runner", "RunnerMethod"]
