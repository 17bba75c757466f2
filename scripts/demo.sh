#!/usr/bin/env bash
# The main job: compile the built-in example network and run it on the simulated NPU through the
# whole stack (runtime -> driver -> hal -> simulator), printing host time and modeled device time.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${NPU_BUILD_DIR:-build}
NPU="$BUILD_DIR/tools/npu"
"$NPU" scan
"$NPU" compile examples/networks/mlp.json -o "$BUILD_DIR/mlp.npk"
"$NPU" run "$BUILD_DIR/mlp.npk" --iterations 10
