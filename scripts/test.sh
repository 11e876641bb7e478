#!/usr/bin/env bash
# Run the whole test suite: create or update .venv, install, lint, build the docs, run pytest.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh tests/unit -x   # arguments go to pytest
#
# Docker end-to-end tests need an engine (scripts/provision-docker.sh, as root); with CI=true
# they fail rather than skip when none is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  echo "[test] creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# Reinstall only when the dependency list changed.
stamp="$VENV/.vts-install-stamp"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[test] installing vtsserving[test] into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  # The CPU build of torch: never a bare `torch`, which would pull a multi-GB CUDA build.
  "$VENV/bin/python" -m pip install -q "torch==2.13.0" 2>&1 | grep -v '^WARNING: Location' || true
  "$VENV/bin/python" -m pip install -q -e ".[test]" 2>&1 | grep -v '^WARNING: Location' || true
  "$VENV/bin/python" -c "import vtsserving, mlflow, torch, sklearn" \
    || { echo "[test] install failed"; exit 1; }
  echo "$want" >"$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"

echo "[test] ruff check"
ruff check .

if [ -f mkdocs.yml ]; then
  echo "[test] mkdocs build --strict"
  mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
fi

echo "[test] pytest"
set +e
python -m pytest -ra "$@"
rc=$?
set -e
# pytest exits 5 when nothing was collected: that is a failure here, not a pass.
exit $rc
