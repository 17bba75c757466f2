#!/usr/bin/env bash
# The whole test suite: builds, then runs every test (unit, integration through the full stack on
# the simulator, and the llama.cpp oracle tests, which must not be skipped here).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-npm.sh
./scripts/build.sh
export NPU_REQUIRE_ORACLE=1
ctest --test-dir "${NPU_BUILD_DIR:-build}" -j "${NPU_JOBS:-$(nproc)}" --output-on-failure --timeout 600 "$@"
