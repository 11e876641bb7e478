#!/usr/bin/env bash
# Install Debian's headless Chromium for the browser tests (idempotent; run as root): the Swagger
# UI test and the docs pictures test (tests/integration/docs/test_docs_pictures_browser.py, which
# measures the SVG labels: fonts-liberation gives it a monospace font of fixed metrics).
# The tests drive it with the `playwright` Python package (executable_path=/usr/bin/chromium);
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
