#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds with; does nothing when they are
# all present. Run as root (or with sudo available).
set -euo pipefail
packages=(build-essential cmake git libboost-context-dev libtbb-dev libgtest-dev
          libbenchmark-dev clang-14 libclang-rt-14-dev python3 gdb)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
