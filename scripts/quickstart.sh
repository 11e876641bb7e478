#!/usr/bin/env bash
# The main job, end to end, on a fresh machine:
#   train an iris model with MLflow -> import it -> vtsserving build -> containerize -> docker run
#   -> POST a prediction. Without a reachable Docker engine it serves the vts locally instead
#   and says why. Every vtsserving command it runs is printed.
#
# Environment: VTSSERVING_HOME (default: a fresh folder under /tmp, so your own store is
# untouched), VTS_BASE_IMAGE (base image for the container; default: the local test base image
# when present, else VtsServing's default), PORT (default 3000).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

. scripts/lib/venv.sh
ensure_venv mlflow,sklearn
export PATH="$repo/.venv/bin:$PATH"

work=$(mktemp -d /tmp/vts-quickstart.XXXXXX)
# A throwaway model store unless you name one: your own (~/vtsserving) stays untouched, and the
# model stored here (iris_clf) is not in it afterwards. docs/quickstart.md uses your own store.
export VTSSERVING_HOME="${VTSSERVING_HOME:-$work/home}"

port="${PORT:-3000}"
cp scripts/quickstart/*.py scripts/quickstart/vtsfile.yaml "$work/"
cd "$work"
cleanup() {
  [ -n "${container:-}" ] && docker rm -f "$container" >/dev/null 2>&1
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT

run() { printf '\n$ %s\n' "$*"; "$@"; }

step() { printf '\n== %s\n' "$*"; }

wait_ready() {
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "server did not become ready on port $port"; return 1
}

predict() {
  run curl -fsS -X POST -H 'content-type: application/json' \
    --data '[[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]' "http://127.0.0.1:$port/classify"
  echo
}

step "1. train an iris model with MLflow and import it into VtsServing ($VTSSERVING_HOME)"
run python train.py
run vtsserving models list iris_clf

step "2. build the vts"
export VTSSERVING_MLFLOW_MODEL_PATH
VTSSERVING_MLFLOW_MODEL_PATH=$(vtsserving models get iris_clf:latest -o path)
echo "VTSSERVING_MLFLOW_MODEL_PATH=$VTSSERVING_MLFLOW_MODEL_PATH"
engine_problem=""
if ! command -v docker >/dev/null 2>&1; then
  engine_problem="no docker client on PATH"
elif ! docker info >/dev/null 2>&1; then
  engine_problem="no Docker engine is reachable (docker info failed)"
fi
if [ -z "$engine_problem" ]; then
  base="${VTS_BASE_IMAGE:-}"
  if [ -z "$base" ] && docker image inspect vtsserving-test-base:bookworm >/dev/null 2>&1; then
    base=vtsserving-test-base:bookworm
  fi
  [ -n "$base" ] && printf 'docker:\n  base_image: %s\n' "$base" >>vtsfile.yaml
fi
tag=$(vtsserving build -o tag)
echo "\$ vtsserving build -o tag"; echo "$tag"
run vtsserving get "$tag"

if [ -z "$engine_problem" ]; then
  step "3. containerize and run it"
  run vtsserving containerize "$tag" -t "iris_classifier:quickstart"
  container=$(docker run -d --rm -p "127.0.0.1:$port:3000" iris_classifier:quickstart)
  echo "\$ docker run -d --rm -p 127.0.0.1:$port:3000 iris_classifier:quickstart"
  wait_ready || { docker logs "$container"; exit 1; }
  step "4. predict"
  predict
  echo "The image iris_classifier:quickstart is in your local engine. Done."
else
  step "3. serve locally: $engine_problem"
  echo "To containerize, start a Docker engine (as root: scripts/provision-docker.sh) and rerun."
  printf '\n$ vtsserving serve %s --port %s &\n' "$tag" "$port"
  vtsserving serve "$tag" --port "$port" &
  server_pid=$!
  wait_ready
  step "4. predict"
  predict
  echo "Done (served locally)."
fi
