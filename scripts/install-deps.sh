#!/usr/bin/env bash
# Installs, from Debian's packages, whatever zkgate needs to build and test that is
# not already present. Idempotent: a second run installs nothing and says so.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git curl ca-certificates jq
      libcurl4-openssl-dev libssl-dev libsecp256k1-dev libsqlite3-dev
      libjansson-dev libmicrohttpd-dev)
# Optional tools used by some tests when present; never required.
optional=(valgrind)

missing=()
for p in "${pkgs[@]}" ${ZKGATE_INSTALL_OPTIONAL:+"${optional[@]}"}; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all dependencies present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps: not root and no sudo; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Update the package lists once per machine (they are absent on a fresh image).
stamp=/var/lib/apt/periodic/zkgate-update-stamp
if [ ! -e "$stamp" ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
  $sudo apt-get update -qq
  $sudo mkdir -p "$(dirname "$stamp")" && $sudo touch "$stamp"
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
