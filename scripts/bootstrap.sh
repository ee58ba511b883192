#!/usr/bin/env bash
# Installs the system packages StackZoo builds against (idempotent) and checks the Swift toolchain.
set -euo pipefail

packages=(pkg-config liblua5.4-dev libopenblas-dev libpng-dev libjpeg62-turbo-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

source "$(dirname "$0")/env.sh"
if ! command -v swift >/dev/null 2>&1; then
  echo "bootstrap: swift (6.x) not found on PATH or in /opt/swift; install it from swift.org" >&2
  exit 1
fi
for lib in lua5.4 openblas libpng libjpeg; do
  pkg-config --exists "$lib" || { echo "bootstrap: pkg-config cannot find $lib" >&2; exit 1; }
done
echo "bootstrap: ok ($(swift --version 2>&1 | head -n 1))"
