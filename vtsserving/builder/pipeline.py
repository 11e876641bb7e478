"""Build a vts: validate everything first, then write the bundle into the store atomically."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..containerize import CUSTOM_TEMPLATE, SETUP_SCRIPT, check_variant, write_docker_files
from ..exceptions import ConfigError, NotFound
from ..home import vtsserving_home
from ..models import MODEL_YAML, Model
from ..service import Service, import_service, module_name_of
from ..tag import Tag, validate_part
from ..vts import VTS_YAML, Vts, VtsApiInfo, VtsInfo, VtsModelInfo, VtsRunnerInfo, get, vts_store
from ._cache import cache_root
from .conda_env import environment, write_conda_env
from .config import VtsfileConfig
from .credentials import check_option_urls, refuse_credentials
from .python_env import plan_python, write_python_env
from .python_version import resolve_python_version
from .requirements import check_packages
from .source import copy_source
from .wheel import vtsserving_wheel

logger = logging.getLogger("vtsserving.build")

Progress = Callable[[str], None]


def _log_step(step: str) -> None:
    logger.info(step)


def check_conflicts(config: VtsfileConfig, source: str) -> None:
    """Options that cannot go together: one line naming both."""
    try:
        check_variant(config.docker, conda=config.conda.used)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    check_packages(config.python.packages, source)
    py = config.python
    check_option_urls([("python.index_url", py.index_url), ("python.pip_args", py.pip_args),
                       *[("python.extra_index_url", u) for u in py.extra_index_url],
                       *[("python.find_links", u) for u in py.find_links],
                       *[("conda.channels", c) for c in config.conda.channels]], source)
    if config.name:
        validate_part(config.name.lower(), f"{source}: name")


def _forget_modules(build_ctx: Path, module_name: str) -> None:
    """Drop the service's modules (and any imported from `build_ctx`) so it imports afresh."""
    for name, module in list(sys.modules.items()):
        file = str(getattr(module, "__file__", "") or "")
        if name == module_name or name.startswith(module_name + ".") or file.startswith(f"{build_ctx}/"):
            del sys.modules[name]


def load_service(target: str, build_ctx: Path) -> Service:
    """Import the service named by the vtsfile, afresh, from the build context."""
    _forget_modules(build_ctx, module_name_of(target))
    return import_service(target, str(build_ctx))


def _checked_models(svc: Service) -> list[Model]:
    models = list(svc.models)
    for model in models:
        if not (Path(model.path) / MODEL_YAML).is_file():
            raise NotFound(f"model {model.tag} used by service {svc.name!r} is no longer in the store")
    return models


def _io_spec(descriptor: Any) -> Any:
    to_spec = getattr(descriptor, "to_spec", None)
    return to_spec() if callable(to_spec) else type(descriptor).__name__


def _info(svc: Service, config: VtsfileConfig, tag: Tag, models: list[Model]) -> VtsInfo:
    return VtsInfo(
        service=svc.import_str or config.service,
        name=tag.name,
        version=tag.version,
        labels=config.labels,
        models=[VtsModelInfo(tag=str(m.tag), module=m.info.module, creation_time=m.info.creation_time)
                for m in models],
        runners=[VtsRunnerInfo(name=r.name, runnable_type=r.runnable_class.__name__,
                               models=[str(m.tag) for m in r.models], methods=sorted(r.runnable_class.methods))
                 for r in svc.runners],
        apis=[VtsApiInfo(name=a.name, route=a.route, input=_io_spec(a.input), output=_io_spec(a.output), doc=a.doc)
              for a in svc.apis.values()],
    )


def _copy_models(models: list[Model], dest: Path) -> None:
    """Copy each model folder, keeping the store layout (`<name>/<version>/` and `latest`)."""
    for model in models:
        target = dest / model.tag.name / model.tag.version
        shutil.copytree(model.path, target, symlinks=False)
    for name_dir in dest.iterdir() if dest.is_dir() else []:
        versions = sorted(name_dir.iterdir(), key=lambda p: p.name)
        (name_dir / "latest").write_text(versions[-1].name + "\n")


def _docker_record(docker: Any) -> dict[str, Any]:
    """Docker options as resolved; user files point at their copies inside the vts."""
    data = docker.model_dump(mode="json")
    if data.get("setup_script"):
        data["setup_script"] = SETUP_SCRIPT
    if data.get("dockerfile_template"):
        data["dockerfile_template"] = CUSTOM_TEMPLATE
    return data


def _warn_withheld(paths: list[str]) -> None:
    if paths:
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        logger.warning("left out %s: such files may hold credentials; name a path in `include`"
                       " (no wildcard) to copy it into the vts", shown)


def _readme(config: VtsfileConfig, name: str) -> str:
    return (config.description or f"# {name}\n\nA VtsServing bundle.").rstrip() + "\n"


def build_from_config(
    config: VtsfileConfig,
    build_ctx: str | Path,
    *,
    version: str | None = None,
    source: str = "vtsfile",
    progress: Progress = _log_step,
) -> Vts:
    """Build `config` (already resolved against `build_ctx`) into a new vts in the store."""
    build_ctx = Path(build_ctx).resolve()
    check_conflicts(config, source)
    progress(f"Loading service {config.service}")
    svc = load_service(config.service, build_ctx)
    models = _checked_models(svc)
    conda_env = environment(config.conda, None) if config.conda.used else None
    python_version = resolve_python_version(config.docker.python_version, models, conda_env)
    tag = Tag((config.name or svc.name).lower(), version)
    locking = " and locking" if config.python.lock_packages else ""
    progress(f"Resolving{locking} Python requirements")
    plan = plan_python(config.python, models, conda_used=config.conda.used, python_version=python_version)
    options = plan.index_lines + plan.requirements.options
    check_option_urls([(f"the {o.split()[0].split('=')[0]} line", o) for o in options], plan.source)
    progress("Packing the vtsserving wheel")
    wheel = vtsserving_wheel()
    docker = config.docker.model_copy(update={"python_version": python_version})
    with vts_store().create(tag) as (tag, tmp):
        progress(f"Copying the source into vts {tag}")
        source = copy_source(build_ctx, tmp / "src", config.include, config.exclude,
                             skip=(vtsserving_home(), cache_root()))
        _warn_withheld(source.withheld)
        if models:
            progress(f"Copying {len(models)} model{'s' if len(models) > 1 else ''}")
        _copy_models(models, tmp / "models")
        info = _info(svc, config, tag, models)
        progress("Writing the Python environment")
        info.python = write_python_env(tmp / "env" / "python", plan, python_version, wheel)
        if config.conda.used:
            progress("Writing the conda environment" + (" (locking)" if config.conda.lock_packages else ""))
            info.conda = write_conda_env(tmp / "env" / "conda", config.conda, python_version)
        progress("Writing the Dockerfile, OpenAPI document and vts.yaml")
        info.docker = _docker_record(docker)
        (tmp / "README.md").write_text(_readme(config, tag.name))
        (tmp / "apis").mkdir()
        (tmp / "apis" / "openapi.yaml").write_text(yaml.safe_dump(svc.openapi_spec(), sort_keys=False))
        (tmp / VTS_YAML).write_text(info.to_yaml())
        write_docker_files(tmp, docker, python_version=python_version, conda=config.conda.used)
        refuse_credentials(tmp, config.allow_credentials_in)
        progress("Saving to the store")
    return get(tag)
