# Sourced by scripts/test.sh and scripts/quickstart.sh: create or update .venv.
# ensure_venv EXTRAS   e.g. ensure_venv test   or   ensure_venv mlflow,sklearn

# pip, quiet, with its failures shown (the machine's extra indexes print noisy warnings).
_pip() {
  local log rc
  log=$(mktemp)
  .venv/bin/python -m pip "$@" >"$log" 2>&1
  rc=$?
  [ $rc -ne 0 ] && grep -v '^WARNING: Location' "$log" | tail -30
  rm -f "$log"
  return $rc
}

ensure_venv() {
  local extras="$1" python="${PYTHON:-python3}" venv=.venv
  if [ ! -x "$venv/bin/python" ]; then
    echo "[setup] creating $venv"
    "$python" -m venv "$venv"
  fi
  # Reinstall only when the dependency list or the wanted extras changed.
  local stamp="$venv/.vts-install-$extras" want
  want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "[setup] installing vtsserving[$extras] into $venv (first run takes a few minutes)"
  _pip install -q --upgrade pip
  # The CPU build of torch: never a bare `torch`, which would pull a multi-GB CUDA build.
  case ",$extras," in *,test,*|*,pytorch,*) _pip install -q "torch==2.13.0" || return 1 ;; esac
  _pip install -q -e ".[$extras]" || return 1
  "$venv/bin/python" -c "import vtsserving" || { echo "[setup] install failed"; return 1; }
  echo "$want" >"$stamp"
}

# ensure_side_venv NAME "REQUIREMENT ..."   e.g. ensure_side_venv kserve "kserve==0.21.0"
# A venv of its own (.venv-NAME) for a tool whose pins clash with the suite's (kserve pins pandas<3).
ensure_side_venv() {
  local name="$1" reqs="$2" python="${PYTHON:-python3}" venv=".venv-$1"
  local stamp="$venv/.vts-install" want
  want=$(printf '%s' "$reqs" | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "[setup] creating $venv ($reqs)"
  rm -rf "$venv"
  "$python" -m venv "$venv" || return 1
  local log
  log=$(mktemp)
  # shellcheck disable=SC2086 # the requirements are separate words
  if ! "$venv/bin/python" -m pip install -q $reqs >"$log" 2>&1; then
    grep -v '^WARNING: Location' "$log" | tail -30
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  echo "$want" >"$stamp"
}
