#!/usr/bin/env bash
# Installs what npustack needs to build and test on Debian 12 (or Raspberry Pi OS bookworm):
# the Debian packages of DESIGN.md, and the test-only npm packages (the llama.cpp oracle).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  g++ cmake ninja-build pkg-config git
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev libpcre2-dev zlib1g-dev
  libboost-dev libusb-1.0-0-dev libpci-dev libudev-dev
  libgtest-dev libgmock-dev libbenchmark-dev umockdev libumockdev-dev
  clang-16 libclang-rt-16-dev  # libFuzzer targets (scripts/fuzz.sh); host tools only, not for arm64
)
# Node.js is only for the test oracle; keep an installed node (any >= 18) rather than replace it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "npustack: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test-only npm packages (package.json): node-llama-cpp pins the llama.cpp build used as the
# numerical oracle; the openai and ollama clients and the reference Jinja test the protocols.
if [ "${NPU_SKIP_NPM:-0}" != "1" ]; then
  ./scripts/install-npm.sh
fi
