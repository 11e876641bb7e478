#!/usr/bin/env bash
# Idempotent: make a Docker engine reachable and build the local base image the tests use.
#
#   scripts/provision-docker.sh            # engine + base image
#   VTS_TEST_BASE_IMAGE=name:tag ...       # choose the base image's name
#
# No image registry is reachable here, so the base image is made from Debian packages
# (debootstrap) and imported with `docker import`. Also installs buildah and docker-registry
# for the containerize backend and push tests, and haproxy for the rolling-update test. Needs root.
set -euo pipefail

BASE_IMAGE="${VTS_TEST_BASE_IMAGE:-vtsserving-test-base:bookworm}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
DOCKER=/usr/bin/docker   # the docker.io client: BuildKit works through it with DOCKER_BUILDKIT=1
LOG_DIR="${VTS_PROVISION_LOG_DIR:-/var/log/vtsserving-provision}"
mkdir -p "$LOG_DIR"

say() { printf '[provision] %s\n' "$*"; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
command -v buildah >/dev/null 2>&1 || need_pkgs+=(buildah)
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v haproxy >/dev/null 2>&1 || need_pkgs+=(haproxy)  # the rolling-update e2e test
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$LOG_DIR/apt-update.log" 2>&1
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >"$LOG_DIR/apt-install.log" 2>&1 \
    || { tail -20 "$LOG_DIR/apt-install.log"; exit 1; }
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
  say "starting dockerd"
  nohup setsid dockerd >"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    "$DOCKER" info >/dev/null 2>&1 && break
    sleep 1
  done
  "$DOCKER" info >/dev/null 2>&1 || { say "dockerd did not come up:"; tail -20 "$LOG_DIR/dockerd.log"; exit 1; }
fi
say "engine: $("$DOCKER" version --format '{{.Server.Version}}')"

if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "base image $BASE_IMAGE present"
  exit 0
fi

say "building base image $BASE_IMAGE with debootstrap (about a minute)"
rootfs=$(mktemp -d /var/tmp/vts-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
  bookworm "$rootfs" http://deb.debian.org/debian >"$LOG_DIR/debootstrap.log" 2>&1 \
  || { tail -20 "$LOG_DIR/debootstrap.log"; exit 1; }
# The network here re-signs TLS: the machine's CA bundle lets pip inside builds reach the index.
cp "$CA_BUNDLE" "$rootfs$CA_BUNDLE"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | "$DOCKER" import \
  --change "ENV PIP_CERT=$CA_BUNDLE" \
  --change "ENV SSL_CERT_FILE=$CA_BUNDLE" \
  --change "ENV LANG=C.UTF-8" \
  --change 'CMD ["/bin/bash"]' \
  - "$BASE_IMAGE" >/dev/null
say "base image $BASE_IMAGE ready"
