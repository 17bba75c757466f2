#!/usr/bin/env bash
# Cross-builds npustack for arm64 (Raspberry Pi 5) on Debian 12 amd64 with Debian's own packages
# only, builds the arm64 .deb packages (checked to be arm64/aarch64), then runs the unit and the
# simulator integration tests under qemu-user. Usage: scripts/cross-build-arm64.sh [extra ctest args]
#   NPU_CROSS_BUILD_DIR (default build-arm64), NPU_JOBS (default nproc),
#   NPU_CROSS_TESTS (ctest -L regex, default "integration|unit"; "none" skips the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${NPU_CROSS_BUILD_DIR:-build-arm64}
JOBS=${NPU_JOBS:-$(nproc)}
LABELS=${NPU_CROSS_TESTS:-integration|unit}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# The arm64 libraries the binaries link (multiarch, "Multi-Arch: same": they co-install with the
# amd64 ones). Header-only packages (nlohmann-json, CLI11, Boost's headers) come from the native
# install: same headers. Google Benchmark is not needed: the benchmarks are not cross-built.
ARM64_DEV=(
  libspdlog-dev libfmt-dev zlib1g-dev libpcre2-dev libusb-1.0-0-dev libpci-dev libudev-dev
  libgtest-dev libgmock-dev
)
NATIVE=(crossbuild-essential-arm64 qemu-user cmake ninja-build pkg-config
        nlohmann-json3-dev libcli11-dev libboost-dev dpkg-dev file)

missing=()
for p in "${NATIVE[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
for p in "${ARM64_DEV[@]}"; do
  dpkg-query -W -f='${Status}' "$p:arm64" 2>/dev/null | grep -q "install ok installed" || missing+=("$p:arm64")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "npustack cross-build: installing ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
  # Simulate first: an :arm64 -dev package whose version differs from the installed amd64 one
  # (a security update on one side only) would make apt remove amd64 packages. Never let it.
  sim=$(LC_ALL=C apt-get -s install --no-install-recommends "${missing[@]}" 2>&1) || {
    echo "$sim" | tail -20
    echo "npustack cross-build: apt cannot install the arm64 packages (above); nothing was changed." >&2
    exit 1
  }
  if echo "$sim" | grep -q '^Remv '; then
    echo "$sim" | grep '^Remv ' >&2
    echo "npustack cross-build: installing ${missing[*]} would REMOVE the packages above;" \
         "refusing. Run 'apt-get update && apt-get upgrade' so amd64 and arm64 versions match," \
         "then retry." >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

start=$(date +%s)
# Prefix /usr: the binaries carry the install paths of the firmware image and the profiles, and
# the .deb installs under /usr (with the default /usr/local the packaged npu would look for its
# profiles in /usr/local/share while the package puts them in /usr/share). Always configured:
# cheap, and picks up changed options.
# No debug info in the arm64 build (its packages ship stripped, as Debian's do): debug info is
# about half the compile time of the heavier files, and CI's hour is shared with the sanitizer run.
toolchain=()  # a configured tree keeps its toolchain (CMake warns when it is passed again)
[ -f "$BUILD_DIR/CMakeCache.txt" ] || toolchain=(-DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake)
cmake -S . -B "$BUILD_DIR" -G Ninja "${toolchain[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNPU_WERROR=ON \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DNPU_UNITY_BUILD=ON -DNPU_BUILD_BENCH=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
file "$BUILD_DIR/tools/npu" | grep -q "ARM aarch64" || { echo "npu is not an arm64 binary"; exit 1; }
built=$(date +%s)

# Debian packages. They must be arm64 packages of aarch64 binaries, not host ones.
(cd "$BUILD_DIR" && rm -f ./*.deb && cpack -G DEB >/dev/null)
for deb in "$BUILD_DIR"/*.deb; do
  arch=$(dpkg-deb -f "$deb" Architecture)
  [ "$arch" = arm64 ] || { echo "cross-build: $deb has Architecture '$arch', expected arm64" >&2; exit 1; }
  echo "cross-build: $deb (Architecture: $arch)"
done
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$BUILD_DIR"/npustack_*_arm64.deb "$unpacked"
for exe in "$unpacked"/usr/bin/*; do
  file -L "$exe" | grep -q "ARM aarch64" || { echo "cross-build: $exe in the package is not aarch64" >&2; exit 1; }
done
# The packaged npu boots the packaged firmware image on a simulated Pi 5 (Gen3) device profile.
NPU_FIRMWARE_DIR="$unpacked/usr/lib/firmware/npustack" NPU_PROFILE_DIR="$unpacked/usr/share/npustack/profiles" \
  NPU_SIM_PROFILE=rpi5-x1-gen3 "$BUILD_DIR/emulated/run" "$unpacked/usr/bin/npu" identify | grep -q "PCIe Gen3 x1" || {
  echo "cross-build: the packaged npu could not identify a simulated device with the packaged firmware" >&2; exit 1; }
echo "cross-build: the packaged npu (under qemu) boots the packaged firmware on a simulated rpi5-x1-gen3 device"
packaged=$(date +%s)

# Same numbers on both architectures: the native npu (scripts/test.sh's build, same tree) and the
# arm64 one under qemu compile a tiny synthetic LFM2 to byte-identical .npk files and generate the
# same tokens, logits and device cycles. Only host_* timings may differ.
NATIVE_NPU=${NPU_BUILD_DIR:-build}/tools/npu
if [ "${NPU_CROSS_COMPARE:-1}" != 0 ] && [ -x "$NATIVE_NPU" ]; then
  cmp_dir="$unpacked/compare"
  mkdir -p "$cmp_dir"
  cat > "$cmp_dir/tiny.json" <<'JSON'
{"model_type": "lfm2", "hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4,
 "num_key_value_heads": 2, "block_ff_dim": 144, "block_auto_adjust_ff_dim": true,
 "block_multiple_of": 16, "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "norm_eps": 1e-5,
 "rope_theta": 1000000.0, "max_position_embeddings": 4096, "tie_embedding": true, "vocab_size": 300,
 "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0, "layer_types": ["conv", "full_attention", "conv"]}
JSON
  arm_npu="$BUILD_DIR/emulated/npu"
  for policy in default w4a8 fp32; do
    for side in native arm64; do
      npu=$NATIVE_NPU; [ $side = arm64 ] && npu=$arm_npu
      "$npu" compile --synthetic "$cmp_dir/tiny.json" -o "$cmp_dir/$side-$policy.npk" --context 256 \
          --prefill-chunk 16 --calib-tokens 48 --policy $policy >/dev/null
      # Both generate from the native .npk, so a difference here is the runtime's or simulator's.
      "$npu" generate "$cmp_dir/native-$policy.npk" --tokens 20,57,94,131,5,9,200 --greedy --ignore-eos \
          --max-tokens 12 --json --logits | sed -E 's/"host_[a-z_]+":[^,}]*,?//g' > "$cmp_dir/$side-$policy.txt"
    done
    cmp -s "$cmp_dir/native-$policy.npk" "$cmp_dir/arm64-$policy.npk" || {
      echo "cross-build: 'npu compile --policy $policy' gives different .npk bytes on arm64 than on" \
           "amd64 (is $NATIVE_NPU built from this tree? NPU_CROSS_COMPARE=0 skips the check)" >&2; exit 1; }
    cmp -s "$cmp_dir/native-$policy.txt" "$cmp_dir/arm64-$policy.txt" || {
      diff "$cmp_dir/native-$policy.txt" "$cmp_dir/arm64-$policy.txt" | head -c 2000 >&2
      echo "cross-build: 'npu generate' ($policy) differs between amd64 and arm64 (above;" \
           "is $NATIVE_NPU built from this tree? NPU_CROSS_COMPARE=0 skips the check)" >&2; exit 1; }
  done
  echo "cross-build: amd64 and arm64 agree bit for bit (.npk for 3 policies, logits, device cycles)"
elif [ "${NPU_CROSS_COMPARE:-1}" != 0 ]; then
  echo "cross-build: no native $NATIVE_NPU (run scripts/test.sh first): amd64/arm64 comparison skipped"
fi

if [ "$LABELS" != "none" ]; then
  # Under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR (the toolchain file). Not run here: the
  # oracle tests (node-llama-cpp's x86 binaries), "slow" (the calibration run; no benchmarks are
  # cross-built), and the tests in HOST_SPEED_BUDGETS, which assert a wall-clock budget for the
  # host CPU that emulation (~5-20x slower) cannot meet, and in HOST_MEMORY_READINGS, which read
  # a process's resident memory: under qemu-user that is the emulator's, whose code cache grows as
  # it translates new paths (the npud soak saw +35 MiB under qemu, +0.3 MiB natively). All of
  # them run in the native suite.
  HOST_SPEED_BUDGETS='Sampler\.FastOnA65536Vocabulary'
  HOST_MEMORY_READINGS='NpudSoak\.ClientsComeGenerateAndDieWithoutLeaks'
  ctest --test-dir "$BUILD_DIR" -j "$JOBS" --output-on-failure --timeout 900 -L "$LABELS" -LE "oracle|slow" \
        -E "^($HOST_SPEED_BUDGETS|$HOST_MEMORY_READINGS)$" "$@"
fi
echo "cross-build: build $((built - start)) s, packages $((packaged - built)) s, tests $(( $(date +%s) - packaged )) s"
