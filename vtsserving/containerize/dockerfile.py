"""Render `env/docker/Dockerfile`, `entrypoint.sh` and `env/python/install.sh` from templates/.

The Dockerfile is rendered per build backend: BuildKit and buildah get cache and secret mounts,
the legacy builder gets neither. `vtsserving build` writes the BuildKit flavour into the vts;
`containerize` renders again for the backend it uses.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes

from .._commands import COMMANDS
from .._version import __version__
from ..exceptions import ConfigError
from ..store import folder_size
from .bytecode import write_serving_modules
from .options import DockerOptions
from .prune import IGNORED_REQUIRERS, UNUSED_BY_SERVING

VTS_PATH = "/home/vts/vts"
VENV = "/opt/venv"
SOURCE_DATE_EPOCH = 315532800  # 1980-01-01, the zip epoch: every file in the venv layer gets it
UID = 1034
LARGE_MODEL_BYTES = 100 * 1024 * 1024
STANDARD_SECRETS = ("netrc", "pip_index_url", "pip_extra_index_url", "pip_conf")
BASE_TEMPLATE = "base.j2"
SETUP_SCRIPT = "env/docker/setup_script"
CUSTOM_TEMPLATE = "env/docker/Dockerfile.template"
CONDA_BASE = "mambaorg/micromamba:1.5-bookworm-slim"
CUDA_BASE = "nvidia/cuda:{cuda}-runtime-ubuntu22.04"
DEBIAN_BASE = "python:{python}-slim"


@dataclass(frozen=True)
class Features:
    """What a build backend's Dockerfile dialect supports."""

    backend: str
    cache_mounts: bool
    secret_mounts: bool


FEATURES = {
    "buildkit": Features("buildkit", cache_mounts=True, secret_mounts=True),
    "buildah": Features("buildah", cache_mounts=True, secret_mounts=True),
    "podman": Features("podman", cache_mounts=True, secret_mounts=True),
    "legacy": Features("legacy", cache_mounts=False, secret_mounts=False),
}


def templates_dir() -> Path:
    """The templates shipped in the wheel, or `templates/` of a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_templates", package.parent / "templates"):
        if (candidate / BASE_TEMPLATE).is_file():
            return candidate
    raise ConfigError(f"VtsServing's Dockerfile templates are missing (looked in {package})")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["dockerfile_quote"] = _quote
    env.filters["copy_json"] = lambda items: json.dumps(list(items))
    return env


def _quote(value: str) -> str:
    """A double-quoted Dockerfile ENV value; `$` is kept literal."""
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def _check_extends(env: jinja2.Environment, source: str, name: str) -> None:
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"docker.dockerfile_template {name}: line {exc.lineno}: {exc.message}") from exc
    if not any(True for _ in tree.find_all(nodes.Extends)):
        raise ConfigError(
            f"docker.dockerfile_template {name} must start with "
            "'{% extends vts_base_template %}' and override named blocks of the base template"
        )


def check_variant(docker: DockerOptions, *, conda: bool) -> str:
    """The image variant ("conda", "cuda" or "debian"); conda and CUDA together are an error."""
    if conda and docker.cuda_version:
        raise ConfigError("conda and docker.cuda_version cannot be used together;"
                          " use the conda environment's cudatoolkit or drop conda")
    return "conda" if conda else "cuda" if docker.cuda_version else "debian"


def default_base_image(docker: DockerOptions, *, python_version: str, conda: bool) -> str:
    """The image the Dockerfile starts from: `base_image`, else the variant's default."""
    variant = check_variant(docker, conda=conda)
    if docker.base_image:
        return docker.base_image
    if variant == "conda":
        return CONDA_BASE
    if variant == "cuda":
        return CUDA_BASE.format(cuda=docker.cuda_version)
    return DEBIAN_BASE.format(python=python_version)


def _model_copies(vts_dir: Path) -> list[str]:
    """One COPY per model name; a name holding 100 MB or more gets one COPY per version.

    Largest first, so a change to a small model re-copies as little as possible.
    """
    root = vts_dir / "models"
    if not root.is_dir():
        return []
    entries: list[tuple[int, str]] = []
    for name_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        size = folder_size(name_dir)
        if size < LARGE_MODEL_BYTES:
            entries.append((size, f"models/{name_dir.name}"))
            continue
        for child in sorted(name_dir.iterdir()):
            entries.append((folder_size(child), f"models/{name_dir.name}/{child.name}"))
    return [path for _, path in sorted(entries, key=lambda e: -e[0])]


def _code_copies(vts_dir: Path) -> list[tuple[list[str], str]]:
    """(sources, destination) pairs for everything but models and the wheels."""
    copies: list[tuple[list[str], str]] = []
    top_files: list[str] = []
    for child in sorted(vts_dir.iterdir()):
        if child.name == "models":
            continue
        if child.name == "env" and child.is_dir():
            copies.extend(_env_copies(child))
        elif child.is_dir():
            copies.append(([child.name], child.name))
        else:
            top_files.append(child.name)
    if top_files:
        copies.append((top_files, ""))
    return copies


def _env_copies(env_dir: Path) -> list[tuple[list[str], str]]:
    copies: list[tuple[list[str], str]] = []
    for child in sorted(env_dir.iterdir()):
        rel = f"env/{child.name}"
        if child.name == "python" and child.is_dir():
            files = sorted(f"{rel}/{f.name}" for f in child.iterdir() if f.is_file())
            if files:
                copies.append((files, f"{rel}/"))
        elif child.is_dir():
            copies.append(([rel], rel))
        else:
            copies.append(([rel], "env/"))
    return copies


def _python_copies(vts_dir: Path) -> dict[str, list[str]]:
    """env/python split for the builder: files, dependency wheels, vtsserving's own wheel."""
    python = vts_dir / "env" / "python"
    files = sorted(f"env/python/{f.name}" for f in python.iterdir() if f.is_file()) if python.is_dir() else []
    wheels = sorted(python.glob("wheels/*.whl")) if python.is_dir() else []
    own = [f"env/python/wheels/{w.name}" for w in wheels if w.name.startswith("vtsserving-")]
    deps = [f"env/python/wheels/{w.name}" for w in wheels if not w.name.startswith("vtsserving-")]
    return {"python_files": files or ["env/python/install.sh"], "dependency_wheels": deps, "vtsserving_wheels": own}


def _lock_sha256(vts_dir: Path) -> str:
    for rel in ("env/python/requirements.lock.txt", "env/python/requirements.txt", "env/conda/environment.yml"):
        path = vts_dir / rel
        if path.is_file() and path.stat().st_size:
            return hashlib.sha256(path.read_bytes()).hexdigest()
    return ""


def _commands() -> list[str]:
    return sorted(name for name in COMMANDS if name != "serve")


def _apt_install(features: Features) -> Any:
    def apt_install(packages: str) -> str:
        prefix = "rm -f /etc/apt/apt.conf.d/docker-clean; " if features.cache_mounts else ""
        return (
            f"{prefix}apt-get update -q; "
            f"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends {packages}"
        )

    return apt_install


def _slim_env(docker: DockerOptions) -> str:
    """install.sh's switches for the docker options that decide what the venv keeps (pruning and
    stripping only where the Dockerfile asks: install.sh run by hand leaves a venv as installed)."""
    return ("VTS_KEEP_TESTS=1 " if docker.keep_package_tests else "") + (
        "VTS_BYTECODE=all " if docker.bytecode == "all" else "") + (
        "VTS_PRUNE_PACKAGES=1 " if docker.prune_packages else "") + (
        "VTS_STRIP=1 " if docker.strip else "")


def _context(
    vts_dir: Path, docker: DockerOptions, *, python_version: str, conda: bool,
    features: Features, secrets: tuple[str, ...],
) -> dict[str, Any]:
    cache = features.cache_mounts
    secret_ids = list(dict.fromkeys([*STANDARD_SECRETS, *secrets])) if features.secret_mounts else []
    return {
        "vts_base_template": BASE_TEMPLATE,
        "vtsserving_version": __version__,
        "backend": features.backend,
        "variant": check_variant(docker, conda=conda),
        "base_image": default_base_image(docker, python_version=python_version, conda=conda),
        "python_version": python_version,
        "cuda_version": docker.cuda_version,
        "conda": conda,
        "venv": VENV,
        "venv_parent": str(Path(VENV).parent),
        "venv_name": Path(VENV).name,
        "epoch": SOURCE_DATE_EPOCH,
        "home": "/home/vts",
        "user": "vts",
        "uid": UID,
        "vts_path": VTS_PATH,
        "system_packages": docker.system_packages,
        "setup_script": SETUP_SCRIPT if (vts_dir / SETUP_SCRIPT).is_file() else None,
        "env": docker.env,
        "strip": docker.strip,
        "models": _model_copies(vts_dir),
        **_python_copies(vts_dir),
        "code_copies": _code_copies(vts_dir) if vts_dir.is_dir() else [],
        "lock_sha256": _lock_sha256(vts_dir),
        "apt_install": _apt_install(features),
        "apt_mounts": (
            "--mount=type=cache,target=/var/cache/apt,sharing=locked "
            "--mount=type=cache,target=/var/lib/apt,sharing=locked "
        ) if cache else "",
        "apt_cleanup": "" if cache else "; \\\n    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb",
        "pip_mounts": "--mount=type=cache,target=/root/.cache,sharing=locked " if cache else "",
        "pip_no_cache": "" if cache else "--no-cache-dir ",
        "pip_env": f"SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH} " + ("" if cache else "PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1 ")
        + _slim_env(docker),
        "secret_mounts": "".join(f"--mount=type=secret,id={s},target=/run/secrets/{s} " for s in secret_ids),
        "conda_mounts": "--mount=type=cache,target=/opt/conda/pkgs,sharing=locked " if cache else "",
        "conda_cleanup": "" if cache else " && micromamba clean --all --yes",
        "vtsserving_commands": _commands(),
    }


def render_dockerfile(
    vts_dir: Path, docker: DockerOptions, *, python_version: str, conda: bool,
    backend: str = "buildkit", secrets: tuple[str, ...] = (),
) -> str:
    """The Dockerfile text for `vts_dir`, in the dialect of `backend` (see FEATURES)."""
    vts_dir = Path(vts_dir)
    features = FEATURES[backend]
    env = _environment()
    context = _context(
        vts_dir, docker, python_version=python_version, conda=conda, features=features, secrets=secrets
    )
    custom = _custom_template_source(vts_dir, docker)
    if custom is None:
        template = env.get_template(BASE_TEMPLATE)
    else:
        source, name = custom
        _check_extends(env, source, name)
        template = env.from_string(source)
    return template.render(context).lstrip("\n")


def _custom_template_source(vts_dir: Path, docker: DockerOptions) -> tuple[str, str] | None:
    inside = vts_dir / CUSTOM_TEMPLATE
    if inside.is_file():
        return inside.read_text(), str(docker.dockerfile_template or CUSTOM_TEMPLATE)
    if docker.dockerfile_template:
        path = Path(os.path.expandvars(docker.dockerfile_template)).expanduser()
        if not path.is_file():
            raise ConfigError(f"docker.dockerfile_template: file {path} does not exist")
        return path.read_text(), str(path)
    return None


def _render_script(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(
        vtsserving_version=__version__, venv=VENV, vts_path=VTS_PATH,
        prune_candidates=list(UNUSED_BY_SERVING), prune_ignored=list(IGNORED_REQUIRERS), **context
    )


def _copy_user_file(value: str | None, dest: Path, key: str) -> None:
    if not value:
        return
    source = Path(os.path.expandvars(value)).expanduser()
    if not source.is_file():
        raise ConfigError(f"docker.{key}: file {source} does not exist")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if source.resolve() != dest.resolve():
        shutil.copyfile(source, dest)


def write_docker_files(vts_dir: Path, docker: DockerOptions, *, python_version: str, conda: bool) -> None:
    """Write env/docker/{Dockerfile,entrypoint.sh} and env/python/install.sh into a vts folder.

    Call it last in the build, once src/, models/, env/python/ and vts.yaml are in place: the
    Dockerfile lists what it copies. The setup script and custom template are copied into the vts.
    """
    vts_dir = Path(vts_dir)
    docker_dir = vts_dir / "env" / "docker"
    python_dir = vts_dir / "env" / "python"
    docker_dir.mkdir(parents=True, exist_ok=True)
    python_dir.mkdir(parents=True, exist_ok=True)
    _copy_user_file(docker.setup_script, vts_dir / SETUP_SCRIPT, "setup_script")
    _copy_user_file(docker.dockerfile_template, vts_dir / CUSTOM_TEMPLATE, "dockerfile_template")
    if (vts_dir / SETUP_SCRIPT).is_file():
        (vts_dir / SETUP_SCRIPT).chmod(0o755)
    entrypoint = docker_dir / "entrypoint.sh"
    entrypoint.write_text(_render_script("entrypoint.sh.j2", vtsserving_commands=_commands()))
    entrypoint.chmod(0o755)
    write_serving_modules(vts_dir)
    install = python_dir / "install.sh"
    install.write_text(_render_script("install.sh.j2"))
    install.chmod(0o755)
    dockerfile = docker_dir / "Dockerfile"
    dockerfile.touch()  # listed by the code COPY below
    text = render_dockerfile(vts_dir, docker, python_version=python_version, conda=conda)
    dockerfile.write_text(text)
