#!/usr/bin/env bash
# Install Debian's headless Chromium for the Swagger UI test (idempotent; run as root).
# The test drives it with the `playwright` Python package (executable_path=/usr/bin/chromium);
# Playwright's own browser download is never used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "[provision-browser] chromium present: $(/usr/bin/chromium --version 2>/dev/null || true)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
echo "[provision-browser] installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
