#!/usr/bin/env bash
# Configures and builds npustack into build/ (optimised, with line tables, warnings as errors).
# -g1 (line tables: backtraces, sanitizer and perf reports name file and line) compiles about a
# third faster than full -g; for a debugger's variables, configure a Debug tree of your own. A new
# tree is a unity build (NPU_UNITY_BUILD, CMakeLists.txt): half the CPU time from scratch; pass
# -DNPU_UNITY_BUILD=OFF (extra arguments go to cmake) for a tree you edit and rebuild often.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${NPU_BUILD_DIR:-build}
JOBS=${NPU_JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  launcher=()  # ccache, where installed, makes rebuilds in other checkouts cheap
  if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DNPU_WERROR=ON -DNPU_UNITY_BUILD=ON "${launcher[@]}" "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
