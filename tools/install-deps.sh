#!/usr/bin/env bash
# Installs the Debian packages AttnViz needs to build, test and run — only those missing.
# Works as root or through sudo. Debian 12 (bookworm). See shared/TOOLCHAIN.md for why each is here.
set -euo pipefail

packages=(build-essential cmake ninja-build qt6-base-dev libqcustomplot-dev libeigen3-dev
          nlohmann-json3-dev qt6-svg-dev qt6-image-formats-plugins libgif-dev xvfb xauth
          fonts-dejavu-core libbenchmark-dev pkg-config libsentencepiece-dev libzip-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "Missing packages (${missing[*]}) and not root, and sudo is not available." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
