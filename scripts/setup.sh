#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install the Debian packages, build, and run the main
# job on the simulated NPU with the built-in default network (no download, no hardware needed).
set -euo pipefail
cd "$(dirname "$0")/.."
NPU_SKIP_NPM=1 ./scripts/install-deps.sh   # the npm oracle is only for tests
./scripts/build.sh
./scripts/demo.sh
