#!/usr/bin/env bash
# Installs every system package the project needs (Debian 12), only when something is missing.
# Sourced-free: run it directly, it is idempotent and quiet when all is present.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ clang-format pkg-config
  clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32 libclang-rt-19-dev
  emscripten nlohmann-json3-dev doctest-dev binaryen wabt libbearssl-dev node-llhttp
  chromium python3-matplotlib wrk dpkg-dev
)

missing=()
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm (Node.js 20) are required: install nodejs from your distribution or nodesource" >&2; exit 1; }
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} — run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
