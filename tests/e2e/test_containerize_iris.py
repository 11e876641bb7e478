"""End to end: iris with MLflow -> vts -> image -> `docker run` -> prediction (issue 6, item 8).

One image is built per module (each cold build costs minutes on 2 cores) and shared by the
tests. The model is logged with explicit `pip_requirements`: on this machine MLflow's inference
also records packages that happen to be installed (torch+cpu, pytest), which a plain image
cannot install from PyPI; the vtsfile still takes them from the model's requirements.txt.
The same image, run as SageMaker runs it (`docker run IMAGE serve`), answers the iris requests of
tests/integration/mlflow/scoring_corpus.py as `mlflow models serve` does, and KServe V2 (issue 13).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _containerize_flow import VTSSERVING, build_vts, containerize, run
from _containerize_helpers import (
    docker,
    free_port,
    layer_created_by,
    post_predict,
    remove_images,
    running,
    wait_http,
)

sys.path.insert(0, str(Path(__file__).parents[1] / "integration" / "mlflow"))
from scoring_corpus import COLUMNS, ROWS, Case, cases, check, serving_examples  # noqa: E402
from scoring_servers import start_mlflow, stop_all, wait_all  # noqa: E402

pytestmark = [pytest.mark.docker, pytest.mark.slow]
SAGEMAKER_PORT = 8080

SETOSA = [[5.1, 3.5, 1.4, 0.2]]
VIRGINICA = [[6.7, 3.0, 5.2, 2.3]]

TRAIN = """
import mlflow, numpy, pandas, scipy, sklearn
import vtsserving
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

data = load_iris(as_frame=True)
X, y = data.data.set_axis(COLUMNS_HERE, axis=1), data.target
clf = LogisticRegression(max_iter=1000).fit(X, y)
mlflow.set_tracking_uri("sqlite:///mlflow.db")
reqs = [f"mlflow=={mlflow.__version__}", f"scikit-learn=={sklearn.__version__}",
        f"numpy=={numpy.__version__}", f"pandas=={pandas.__version__}", f"scipy=={scipy.__version__}"]
with mlflow.start_run():
    info = mlflow.sklearn.log_model(clf, name="model", pip_requirements=reqs,
                                    signature=infer_signature(X, clf.predict(X)), input_example=X.iloc[:2])
vtsserving.mlflow.import_model("iris_clf", info.model_uri, signatures={"predict": {"batchable": True}})
""".replace("COLUMNS_HERE", repr(COLUMNS))

SERVICE = """
import numpy as np
import vtsserving
from vtsserving.io import NumpyNdarray

runner = vtsserving.mlflow.get("iris_clf:latest").to_runner()
svc = vtsserving.Service("iris_svc", runners=[runner])


@svc.api(input=NumpyNdarray(dtype="float64", shape=(-1, 4), enforce_shape=True), output=NumpyNdarray())
def predict(x: np.ndarray) -> np.ndarray:
    return runner.predict.run(x)
"""

VTSFILE = """
service: "service:svc"
include: ["service.py"]
python:
  requirements_txt: $VTSSERVING_MLFLOW_MODEL_PATH/mlflow_model/requirements.txt
  lock_packages: false
docker:
  base_image: {base}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, docker_engine: str) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("iris_project")
    env = {"VTSSERVING_HOME": str(root / "home"), "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}"}
    (root / "train.py").write_text(TRAIN)
    (root / "service.py").write_text(SERVICE)
    (root / "vtsfile.yaml").write_text(VTSFILE.format(base=docker_engine))
    run([__import__("sys").executable, "train.py"], env, root)
    return root, env


@pytest.fixture(scope="module")
def iris_image(project: tuple[Path, dict[str, str]]) -> Iterator[tuple[str, dict]]:
    root, env = project
    tag = build_vts(root, env, "iris_clf:latest")
    result, _ = containerize(tag, env, root, "--sbom", str(root / "sbom.cdx.json"))
    yield tag, result
    remove_images(*result["tags"])


def predict(port: int, rows: list[list[float]]) -> list:
    response = post_predict(port, rows)
    assert response.status_code == 200, response.text
    return response.json()


def test_image_serves_predictions_on_port_from_env(iris_image: tuple[str, dict]) -> None:
    tag, result = iris_image
    name, version = tag.split(":")
    assert result["tags"] == [f"{name}:{version}"]  # default image name:tag = vts name:version
    assert result["backend"] == "docker" and result["image_id"].startswith("sha256:")
    port = free_port()
    with running(result["tags"][0], env={"PORT": str(port)}) as container:
        wait_http(f"http://127.0.0.1:{port}/healthz", container)
        assert predict(port, SETOSA + VIRGINICA) == [0, 2]
        bad = post_predict(port, [[1.0, 2.0]])
        assert 400 <= bad.status_code < 500


def test_serve_port_option_help_and_labels(iris_image: tuple[str, dict]) -> None:
    tag, result = iris_image
    image = result["tags"][0]
    port = free_port()
    with running(image, "serve", "--port", str(port)) as container:
        wait_http(f"http://127.0.0.1:{port}/healthz", container)
        assert predict(port, SETOSA) == [0]
    assert "containerize" in docker("run", "--rm", image, "--help").stdout
    assert "iris_clf" in docker("run", "--rm", image, "models", "list").stdout
    labels = docker("image", "inspect", "-f", "{{json .Config.Labels}}", image).stdout
    assert f'"io.vtsserving.vts":"{tag}"' in labels and '"org.opencontainers.image.created"' in labels


def test_sbom_and_installed_list_match_the_image(iris_image: tuple[str, dict]) -> None:
    image, sbom = iris_image[1]["tags"][0], iris_image[1]["sbom"]
    bom = json.loads(Path(sbom).read_text())
    listed = {(c["name"].lower(), c["version"]) for c in bom["components"] if c["purl"].startswith("pkg:pypi/")}
    code = ("from importlib.metadata import distributions as d;"
            "print('\\n'.join(f'{x.metadata[\"Name\"].lower()}=={x.version}' for x in d()))")
    inside = docker("run", "--rm", image, "python3", "-c", code).stdout.split()
    assert listed == {tuple(line.split("==")) for line in inside}
    names = {name for name, _ in listed}
    assert {"mlflow-skinny", "scikit-learn", "vtsserving"} <= names and "mlflow" not in names
    # nothing that only installs or builds (issues #16 and #19): no installer, no build tools
    build_only = {"pip", "setuptools", "wheel", "build", "uv", "pip-tools", "docker", "cyclonedx-python-lib"}
    assert not names & build_only, sorted(names & build_only)


# Loaded into every process of the server (PYTHONPATH), forked workers included: each writes the
# modules it has loaded, every half second, to /tmp/vts-mods/<pid>.txt.
MODULE_PROBE = """
import os, sys, threading, time

def _dump():
    while True:
        time.sleep(0.5)
        try:
            with open(f"/tmp/vts-mods/{os.getpid()}.txt", "w") as f:
                f.write("\\n".join(str(getattr(m, "__file__", "") or "") for m in list(sys.modules.values())))
        except OSError:
            pass

def _start():
    threading.Thread(target=_dump, daemon=True).start()

_start()
os.register_at_fork(after_in_child=_start)
"""
CHECK_BYTECODE = """
import glob, importlib.util, os
loaded = {p for f in glob.glob("/tmp/vts-mods/*.txt") for p in open(f).read().split("\\n")}
venv = [p for p in loaded if p.startswith("/opt/venv/") and p.endswith(".py")]
print(len(venv))
print(" ".join(sorted(p for p in venv if not os.path.exists(importlib.util.cache_from_source(p)))))
"""


def test_every_module_the_server_loads_has_bytecode_and_unused_packages_are_left_out(
    iris_image: tuple[str, dict], tmp_path: Path
) -> None:
    """Issue #19: byte-code only for what serving imports, yet every module that a started server
    loads (worker processes included, and MLflow's parsers on a CSV request) has its .pyc; the
    MLflow dependencies serving never imports are gone; shared libraries are stripped."""
    image = iris_image[1]["tags"][0]
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(MODULE_PROBE)
    probe.chmod(0o755)
    port = free_port()
    options = ("-v", f"{probe}:/probe:ro", "--tmpfs", "/tmp/vts-mods:mode=1777", "-e", "PYTHONPATH=/probe")
    with running(image, env={"PORT": str(port)}, options=options) as container:
        wait_http(f"http://127.0.0.1:{port}/readyz", container)
        assert predict(port, SETOSA) == [0]
        url = f"http://127.0.0.1:{port}/invocations"
        fast = httpx.post(url, json={"dataframe_split": {"columns": COLUMNS, "data": ROWS}}, timeout=60)
        csv = ",".join(COLUMNS) + "\n" + "\n".join(",".join(map(str, row)) for row in ROWS)
        parsed = httpx.post(url, content=csv, headers={"content-type": "text/csv"}, timeout=60)
        assert fast.status_code == parsed.status_code == 200 and fast.json() == parsed.json()
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).status_code == 200
        time.sleep(1.5)  # every process writes its modules again
        count, missing = (docker("exec", container, "python3", "-c", CHECK_BYTECODE).stdout.split("\n") + [""])[:2]
    assert int(count) > 500, "the probe saw too few modules: it did not run in the server"
    assert not missing.split(), f"loaded at serving without byte-code: {missing[:2000]}"
    code = textwrap.dedent("""
        import importlib.metadata as md, importlib.util, os, glob
        names = {d.metadata["Name"].lower() for d in md.distributions()}
        print(sorted(names & {"gitpython", "google-auth", "cryptography", "pyasn1", "python-dotenv", "wcwidth"}))
        site = "/opt/venv/lib/python3.11/site-packages"
        unused = site + "/mlflow/store/tracking/sqlalchemy_store.py"
        print(os.path.exists(unused), os.path.exists(importlib.util.cache_from_source(unused)))
        (loop,) = glob.glob(site + "/uvloop/loop.*.so")
        print(b".symtab" in open(loop, "rb").read(), bool(glob.glob(site + "/**/*.pyi", recursive=True)))
    """)
    pruned, unused, stripped = docker("run", "--rm", image, "python3", "-c", code).stdout.split("\n")[:3]
    assert pruned == "[]", pruned
    assert unused == "True False"  # MLflow's tracking store: there as source, not compiled
    assert stripped == "False False"  # no symbol table in uvloop's library, no type stubs


def test_runs_as_non_root_and_stops_on_sigterm(iris_image: tuple[str, dict]) -> None:
    image = iris_image[1]["tags"][0]
    assert docker("image", "inspect", "-f", "{{.Config.User}}", image).stdout.strip() == "1034:1034"
    assert docker("run", "--rm", image, "id", "-u").stdout.strip() == "1034"
    port = free_port()
    with running(image, env={"PORT": str(port)}) as container:
        wait_http(f"http://127.0.0.1:{port}/healthz", container)
        assert docker("exec", container, "sh", "-c", "ps -o user= -p 1 2>/dev/null || id -un").stdout.strip() in ("vts", "1034")
        started = time.monotonic()
        docker("stop", "-t", "30", container)
        assert time.monotonic() - started < 25, "SIGTERM did not stop the server: docker had to kill it"
        assert docker("inspect", "-f", "{{.State.ExitCode}}", container).stdout.strip() in ("0", "143")


def test_code_only_change_reuses_dependency_and_model_layers(
    project: tuple[Path, dict[str, str]], iris_image: tuple[str, dict]
) -> None:
    root, env = project
    old_image = iris_image[1]["tags"][0]
    service = root / "service.py"
    original = service.read_text()
    service.write_text(original + textwrap.dedent('''
        @svc.api(input=NumpyNdarray(), output=NumpyNdarray())
        def echo(x: np.ndarray) -> np.ndarray:
            return x
    '''))
    try:
        started = time.monotonic()
        tag = build_vts(root, env, "iris_clf:latest")
        result, log = containerize(tag, env, root)
        elapsed = time.monotonic() - started
    finally:
        service.write_text(original)
    try:
        install = [line.split()[0] for line in log.splitlines() if "install.sh" in line and "RUN" in line]
        assert install and f"{install[0]} CACHED" in log, "the dependency install step ran again"
        old = docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", old_image).stdout
        new = docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", result["tags"][0]).stdout
        old_layers, new_layers = old.strip("[]\n").split(","), new.strip("[]\n").split(",")
        shared = len(set(old_layers) & set(new_layers))
        # the dependency and model layers are byte-identical; only the 5 code layers differ (and
        # vtsserving's own layer, when the vtsserving checkout itself changed in between)
        changed = 5 if _wheel(env, iris_image[0]) == _wheel(env, tag) else 6
        assert shared >= len(old_layers) - changed, f"only {shared} of {len(old_layers)} layers reused"
        assert shared < len(new_layers)  # the code layers did change
        print(f"code-only rebuild (vtsserving build + containerize): {elapsed:.1f}s")
        port = free_port()
        with running(result["tags"][0], env={"PORT": str(port)}) as container:
            wait_http(f"http://127.0.0.1:{port}/healthz", container)
            assert predict(port, VIRGINICA) == [2]
    finally:
        remove_images(*result["tags"])


def test_new_vtsserving_reuses_the_dependency_and_model_layers(
    iris_image: tuple[str, dict], project: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, env = project
    tag, result = iris_image
    name, version = tag.split(":")
    vts = tmp_path / "vts"
    shutil.copytree(Path(env["VTSSERVING_HOME"], "vts", name, version), vts)
    (wheel,) = (vts / "env" / "python" / "wheels").glob("vtsserving-*.whl")
    _append_to_wheel(wheel, "vtsserving/_version.py", "\n# a new vtsserving build\n")
    image = "vts-e2e-iris-new-vtsserving:1"
    new, _ = containerize(str(vts), env, root, "-t", image)
    try:
        old_image = result["tags"][0]
        for made_by in ("/vts-export/", "models/iris_clf"):
            assert layer_created_by(old_image, made_by) == layer_created_by(image, made_by), made_by
        assert layer_created_by(old_image, "/vts-own/") != layer_created_by(image, "/vts-own/")
        out = docker("run", "--rm", image, "sh", "-c", "tail -c 26 \"$(python3 -c 'import vtsserving._version as v; print(v.__file__)')\"")
        assert "a new vtsserving build" in out.stdout
    finally:
        remove_images(image)


def _append_to_wheel(wheel: Path, member: str, text: str) -> None:
    """Rewrite `wheel` with `text` added to `member` (its RECORD hash is not checked by installers)."""
    import zipfile

    rebuilt = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            out.writestr(item, data + text.encode() if item.filename == member else data)
    rebuilt.replace(wheel)


def _wheel(env: dict[str, str], tag: str) -> bytes:
    name, version = tag.split(":")
    wheels = Path(env["VTSSERVING_HOME"], "vts", name, version, "env", "python", "wheels").glob("vtsserving-*.whl")
    return b"".join(w.read_bytes() for w in wheels)


def test_buildah_builds_the_iris_vts_and_its_image_serves(iris_image: tuple[str, dict], project: tuple[Path, dict[str, str]]) -> None:
    if shutil.which("buildah") is None:
        pytest.fail("buildah is missing: run scripts/provision-docker.sh")
    root, env = project
    tag = iris_image[0]
    image = f"localhost/vts-e2e-iris-buildah:{tag.split(':')[1]}"
    result, _ = containerize(tag, env, root, "--backend", "buildah", "-t", image)
    from vtsserving.containerize.backends import detect

    tool = detect("buildah").tool_command()
    try:
        assert result["builder"] == "buildah"
        # hand the image to the docker engine to run it (buildah has no daemon to run it with)
        subprocess.run([*tool, "push", image, f"docker-daemon:{image}"], check=True, capture_output=True)
        port = free_port()
        with running(image, env={"PORT": str(port)}) as container:
            wait_http(f"http://127.0.0.1:{port}/healthz", container)
            assert predict(port, SETOSA) == [0]
    finally:
        subprocess.run([*tool, "rmi", "-f", image], capture_output=True)
        remove_images(image)


def test_unknown_tag_and_port_in_use(project: tuple[Path, dict[str, str]], iris_image: tuple[str, dict]) -> None:
    root, env = project
    proc = subprocess.run([*VTSSERVING, "containerize", "no_such_vts:1"], cwd=root, capture_output=True, text=True,
                          env={**__import__("os").environ, **env})
    assert proc.returncode == 3 and "vts 'no_such_vts' not found" in proc.stderr
    assert "Traceback" not in proc.stderr
    # a port already in use: the container exits with a clear message and is removed
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with running(iris_image[1]["tags"][0], env={"PORT": str(port)}) as container:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if docker("inspect", "-f", "{{.State.Running}}", container).stdout.strip() == "false":
                    break
                time.sleep(0.5)
            logs = docker("logs", container)
            assert "already in use" in (logs.stdout + logs.stderr).lower() or "address in use" in (logs.stdout + logs.stderr).lower()
    assert docker("ps", "-a", "-q", "-f", f"id={container}").stdout.strip() == ""


def _send(url: str, case: Case) -> httpx.Response:
    headers = {"content-type": case.content_type} if case.content_type else {}
    return httpx.request(case.method, url + case.path, content=case.body, headers=headers, timeout=60)


def test_sagemaker_serve_answers_as_mlflow_models_serve(
    iris_image: tuple[str, dict], project: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """`docker run IMAGE serve`, exactly as SageMaker runs it: port 8080, /ping, /invocations.

    Every iris case of the corpus goes to the image and to `mlflow models serve` of the same
    model folder on this host, and the parity rule holds; KServe V2 gives the same predictions.
    Parquet is left out: the image installs the model's requirements, which have no pyarrow.
    """
    root, env = project
    image = iris_image[1]["tags"][0]
    _wait_port_free(SAGEMAKER_PORT)
    (folder,) = Path(env["VTSSERVING_HOME"], "models", "iris_clf").glob("*/mlflow_model")
    reference = start_mlflow("iris", str(folder), tmp_path)
    url = f"http://127.0.0.1:{SAGEMAKER_PORT}"
    try:
        with running(image, "serve") as container:
            wait_http(url + "/ping", container)
            wait_all([reference])
            corpus = [c for c in cases("sklearn") + serving_examples("sklearn", folder) if "parquet" not in c.label]
            for case in corpus:
                check(case, _send(reference.url, case), _send(url, case))
            _check_v2(url)
    finally:
        stop_all([reference])


def _wait_port_free(port: int, timeout: float = 180) -> None:
    """SageMaker's port is fixed: wait while another run of this test holds it."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"port {port} stayed in use on this host for {timeout:.0f}s: SageMaker's contract needs it")
        time.sleep(1)


def _check_v2(url: str) -> None:
    import numpy as np
    import tritonclient.http as triton

    client = triton.InferenceServerClient(url.removeprefix("http://"))
    assert client.is_server_ready() and client.is_model_ready("iris_clf")
    assert [t["datatype"] for t in client.get_model_metadata("iris_clf")["inputs"]] == ["FP64"] * 4
    rows = np.array(ROWS)
    inputs = []
    for i, name in enumerate(COLUMNS):
        tensor = triton.InferInput(name, [len(rows)], "FP64")
        tensor.set_data_from_numpy(rows[:, i])
        inputs.append(tensor)
    predictions = client.infer("iris_clf", inputs).as_numpy("predictions").tolist()
    scored = httpx.post(url + "/invocations", json={"dataframe_split": {"columns": COLUMNS, "data": ROWS}})
    assert predictions == scored.json()["predictions"] == [0, 2, 1]
