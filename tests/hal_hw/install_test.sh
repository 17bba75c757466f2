#!/usr/bin/env bash
# `cmake --install` into a staging directory, check the installed layout, then build and run a
# tiny consumer with find_package(npustack) and another with pkg-config (npustack.pc).
# Arguments: build-dir consumer-src prefix libdir udev-rules-dir unit-dir firmware-dir profile-dir
# $NPU_CONSUMER_FLAGS: extra compile and link flags for the consumers (a sanitizer build's).
set -euo pipefail
BUILD=$1 CONSUMER=$2 PREFIX=$3 LIBDIR=$4 RULES=$5 UNITS=$6 FIRMWARE=$7 PROFILES=$8
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/stage
DESTDIR=$STAGE cmake --install "$BUILD" >"$WORK/install.log"
ROOT=$STAGE$PREFIX

for f in "$ROOT/$LIBDIR/libnpu_runtime.a" "$ROOT/$LIBDIR/cmake/npustack/npustackConfig.cmake" \
         "$ROOT/$LIBDIR/pkgconfig/npustack.pc" "$ROOT/include/npu/runtime.hpp" "$ROOT/include/npu/genai/llm.hpp" \
         "$ROOT/include/npu/common/error.hpp" "$ROOT/bin/npu" \
         "$STAGE$FIRMWARE/npustack-fw.bin" "$STAGE$RULES/70-npustack.rules" \
         "$STAGE$(dirname "$RULES")/npu-vfio-group" "$STAGE$UNITS/npud.service" \
         "$STAGE$UNITS/npu-serve.service" \
         "$STAGE$PROFILES/hailo10h.json"; do
  [ -e "$f" ] || { echo "not installed: $f"; exit 1; }
done
# The SDK is the runtime's headers (which own their types) plus common's error type: no driver,
# hal or device-ABI internals.
for f in "$ROOT/include/npu/driver" "$ROOT/include/npu/hal" "$ROOT/include/npu_abi"; do
  [ ! -e "$f" ] || { echo "internal headers installed: $f"; exit 1; }
done
grep -q 'RuntimeDirectory=npustack' "$STAGE$UNITS/npud.service"
grep -q "ExecStart=$PREFIX/bin/npud" "$STAGE$UNITS/npud.service"
grep -q "ExecStart=$PREFIX/bin/npu serve" "$STAGE$UNITS/npu-serve.service"

# The installed program finds the installed (staged) firmware and profiles through the environment.
export NPU_FIRMWARE_DIR=$STAGE$FIRMWARE NPU_PROFILE_DIR=$STAGE$PROFILES NPU_SIM_DEVICES=1

EXTRA=${NPU_CONSUMER_FLAGS:-}
cmake -S "$CONSUMER" -B "$WORK/cmake-consumer" -G Ninja -DCMAKE_PREFIX_PATH="$ROOT" \
  -DCMAKE_CXX_FLAGS="$EXTRA" -DCMAKE_EXE_LINKER_FLAGS="$EXTRA" >"$WORK/configure.log"
cmake --build "$WORK/cmake-consumer" >"$WORK/build.log" || { cat "$WORK/build.log"; exit 1; }
"$WORK/cmake-consumer/consumer" | tee "$WORK/out1"
grep -q "opened sim:0" "$WORK/out1"

FLAGS=$(PKG_CONFIG_PATH="$ROOT/$LIBDIR/pkgconfig" pkg-config --define-variable=prefix="$ROOT" --cflags --libs npustack)
# shellcheck disable=SC2086
g++ $EXTRA "$CONSUMER/main.cpp" -o "$WORK/pc-consumer" $FLAGS
"$WORK/pc-consumer" | tee "$WORK/out2"
grep -q "opened sim:0" "$WORK/out2"
echo "install + find_package + pkg-config consumers: OK"
