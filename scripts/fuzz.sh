#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (docs/reliability.md).
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]   each target for SECONDS (default 60), all by default
#   scripts/fuzz.sh --list                   the targets
#   NPU_FUZZ_SEED=N scripts/fuzz.sh ...       a fixed random seed (CI: a run that can be repeated)
#
# Builds build-fuzz/ with clang (Debian's clang-16: libFuzzer, ASan + UBSan). The run starts from
# the seed corpus in tests/fuzz/corpus/TARGET and keeps what it discovers in
# build-fuzz/corpus/TARGET (not in the repository); a crash is saved under
# build-fuzz/artifacts/TARGET/ and fails the script. Turn each crash into a regression input:
# copy it to tests/fuzz/regressions/TARGET/ (the test suite replays those), then fix the cause.
# A summary line per target (executions, rate, corpus, result) goes to stdout and to
# build-fuzz/fuzz-results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(gguf safetensors hf_config npk tokenizer_json chat tool_call npud_frame context_file)
if [ -d server ] && [ -f tests/fuzz/http_request_fuzz.cpp ]; then TARGETS+=(http_request); fi

if [ "${1:-}" = "--list" ]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
WHICH=${1:-all}
SECONDS_EACH=${2:-60}
JOBS=${NPU_JOBS:-2}
BUILD_DIR=${NPU_FUZZ_BUILD_DIR:-build-fuzz}
if [ "$WHICH" != all ]; then
  case " ${TARGETS[*]} " in
    *" $WHICH "*) TARGETS=("$WHICH") ;;
    *) echo "unknown fuzz target '$WHICH'; one of: ${TARGETS[*]}" >&2; exit 2 ;;
  esac
fi

CLANG=${NPU_FUZZ_CXX:-}
if [ -z "$CLANG" ]; then
  for c in clang++-16 clang++-17 clang++-18 clang++; do
    if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
  done
fi
if [ -z "$CLANG" ]; then
  echo "fuzz: no clang found; install clang-16 and libclang-rt-16-dev (scripts/install-deps.sh)" >&2
  exit 1
fi

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  # Clang 16 implements what libstdc++ 12's <expected> needs (P0848, conditionally trivial
  # special members) but does not yet announce it in __cpp_concepts; libstdc++ checks that macro.
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER="$CLANG" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DNPU_SANITIZE=fuzz -DNPU_BUILD_BENCH=OFF -DNPU_UNITY_BUILD=ON \
    "${launcher[@]}"
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${TARGETS[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# Targets whose parser reads a file (safetensors, tokenizer.json, ...) get each input as a scratch
# file under TMPDIR: in memory (/dev/shm) that is about ten times faster than on a disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
# Crash reports name functions and lines when a symbolizer is found (Debian's clang package does not
# bring its own; llvm-symbolizer of any version reads them).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer-16 llvm-symbolizer llvm-symbolizer-14; do
    if command -v "$s" >/dev/null 2>&1; then export ASAN_SYMBOLIZER_PATH; ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
  done
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
RESULTS=$BUILD_DIR/fuzz-results.txt
failed=()
for t in "${TARGETS[@]}"; do
  corpus=$BUILD_DIR/corpus/$t artifacts=$BUILD_DIR/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  log=$BUILD_DIR/fuzz-$t.log
  echo "=== fuzz $t for ${SECONDS_EACH}s"
  status=ok
  if ! "$BUILD_DIR/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 ${NPU_FUZZ_SEED:+-seed="$NPU_FUZZ_SEED"} \
       -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "tests/fuzz/corpus/$t" \
       >"$log" 2>&1; then
    status="CRASH (see $log and $artifacts/)"
    failed+=("$t")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  files=$(find "$corpus" -type f | wc -l)
  line="$(date -u +%Y-%m-%dT%H:%MZ) $t: ${execs:-?} executions in ${SECONDS_EACH}s (${rate:-?}/s), corpus $files files, $status"
  echo "$line" | tee -a "$RESULTS"
  if [ "$status" != ok ]; then tail -n 30 "$log"; fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
