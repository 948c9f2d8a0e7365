#!/usr/bin/env bash
# Run HERE (a machine with Debian's package lists), before checking the CUDA
# backend on a lent GPU machine that cannot reach any package registry: downloads
# the .deb files of zkgate's C build dependencies and the libraries they need into
# .gpu-deps/ (ignored by git), for scripts/gpu-check.sh to unpack there into a
# private root. Carry the folder with the run: carry [".gpu-deps"]. About 10-20 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu-deps
pkgs=(libssl-dev libssl3 libsecp256k1-dev libsecp256k1-1 libsqlite3-dev libsqlite3-0
      libjansson-dev libjansson4 libmicrohttpd-dev libmicrohttpd12 libcurl4-openssl-dev libcurl4
      pkgconf pkgconf-bin libpkgconf3)
# the libraries those need, except what every Linux has (C and C++ runtimes)
skip='^(libc6|libgcc-s1|libstdc\+\+6|gcc-[0-9]+-base|debconf|dpkg|perl-base|libcrypt1)$'
mapfile -t deps < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${pkgs[@]}" | grep -E '^[a-z0-9]' | sort -u)
want=()
for p in "${deps[@]}"; do
  [[ "$p" =~ $skip ]] && continue
  [[ "$p" == lib* || " ${pkgs[*]} " == *" $p "* ]] && want+=("$p")
done
rm -rf "$out" && mkdir -p "$out"
(cd "$out" && apt-get download "${want[@]}" >/dev/null 2>&1) || {
  echo "gpu-deps: apt-get download failed (run apt-get update first?)" >&2
  exit 1
}
echo "gpu-deps: $(ls "$out" | wc -l) packages, $(du -sh "$out" | cut -f1) in $out/"
