#!/usr/bin/env bash
# Run the whole test suite: create or update .venv, install, lint (ruff, import layers), build the
# docs, run pytest.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh tests/unit -x   # arguments go to pytest
#
# Docker end-to-end tests need an engine (scripts/provision-docker.sh, as root); with CI=true
# they fail rather than skip when none is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/venv.sh
ensure_venv test
# The kserve SDK pins pandas<3 and protobuf<7: it gets a venv of its own, used by the one test
# that builds the generated InferenceService with it (tests/unit/test_deploy_validation.py).
ensure_side_venv kserve "kserve==0.21.0"
.venv/bin/python -c "import vtsserving, mlflow, torch, sklearn"
export PATH="$PWD/.venv/bin:$PATH"

echo "[test] ruff check"
ruff check .

echo "[test] lint-imports (every import points down the stack: docs/concepts/architecture.md)"
lint-imports --no-logo

if [ -f mkdocs.yml ]; then
  echo "[test] mkdocs build --strict"
  export NO_MKDOCS_2_WARNING=1  # material's end-of-life banner
  mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
fi

echo "[test] pytest"
set +e
python -m pytest -ra "$@"
rc=$?
set -e
# pytest exits 5 when nothing was collected: that is a failure here, not a pass.
exit $rc
