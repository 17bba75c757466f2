#!/usr/bin/env bash
# Builds npustack with a sanitizer and runs tests under it (docs/reliability.md).
#
#   scripts/sanitize.sh asan [ctest args]  AddressSanitizer + UndefinedBehaviorSanitizer (+ leaks):
#                                          the unit and integration suites (build-asan/)
#   scripts/sanitize.sh tsan [gtest filter] ThreadSanitizer: the concurrent parts (build-tsan/):
#                                          scheduler, simulator worker pool and control core,
#                                          driver, generation job, LLM sessions, npud, HTTP server
#                                          and its session pool, async inference, the HailoRT API
#                                          (NPU_SIM_CONTROL_CORE=thread: every simulator step on
#                                          the control-core thread instead of the ringing one)
#
# The build is incremental (run it again after a change); -O1 keeps the instrumented suites fast;
# -g1 (line tables) is enough for reports to name file and line, and compiles a third faster than -g.
# Any sanitizer report fails the test that caused it, and so the script.
# NPU_JOBS (default 2) bounds build and test parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:-}
shift || true
JOBS=${NPU_JOBS:-2}

case "$KIND" in
  asan) SANITIZE=address ;;
  tsan) SANITIZE=thread ;;
  *) echo "usage: scripts/sanitize.sh asan|tsan [args]" >&2; exit 2 ;;
esac
BUILD_DIR=${NPU_SANITIZE_BUILD_DIR:-build-$KIND}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  # Warnings are the plain build's business (-Werror there); GCC's sanitizer instrumentation
  # raises flow-analysis warnings of its own that say nothing about the code.
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DNPU_SANITIZE="$SANITIZE" -DNPU_WERROR=OFF -DNPU_UNITY_BUILD=ON \
    -DNPU_BUILD_BENCH=OFF "${launcher[@]}"
fi

# Reports name the source line; a report fails the process (UBSan would otherwise only print).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_init_order=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# TSan writes its reports to files (log_path, one per process): a child whose output a test
# captures (npud, `npu` run by the CLI tests) cannot hide one; the script prints them and fails.
TSAN_REPORTS="$PWD/$BUILD_DIR/tsan-reports"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:log_path=$TSAN_REPORTS/report}

if [ "$KIND" = asan ]; then
  # Everything (the install test installs the whole build), then unit + integration; the llama.cpp
  # oracle tests run node, which is not instrumented, so they stay in the plain suite.
  start=$(date +%s)
  cmake --build "$BUILD_DIR" -j "$JOBS"
  built=$(date +%s)
  ctest --test-dir "$BUILD_DIR" -L 'unit|integration' -LE oracle -j "$JOBS" --output-on-failure \
    --timeout 1200 "$@"
  echo "asan: build $((built - start)) s, tests $(( $(date +%s) - built )) s"
  exit 0
fi

# TSan: only the binaries with threads in them.
TSAN_TESTS=(
  tests/runtime/test_runtime_scheduler  # the VDevice scheduler: workers, priorities, cancellation
  tests/sim/test_sim                    # the simulator's control core and kernel worker pool
  tests/driver/test_driver_sim          # interrupt thread, mailbox and DMA from several threads, recovery
  tests/llm_runtime/test_llm_runtime    # LLM sessions: the generation job on the scheduler's workers
  tests/llm_runtime/test_llm_events     # streaming generators, abort, hooks
  tests/npud/test_npud                  # npud: many clients, shared models, detached work, shutdown
  tests/server/test_server_units        # the HTTP server: connection threads, watchdog, stop; admission
  tests/server/test_server_sessions     # the server's session pool on the simulated device
  tests/integration/test_integration_end_to_end  # async inference: jobs in flight on several threads
  tests/hailort/test_hailort_backend    # the HailoRT backend on its test double: async infer, callbacks
)
targets=()
for t in "${TSAN_TESTS[@]}"; do targets+=("$(basename "$t")"); done
start=$(date +%s)
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${targets[@]}" npu npud npud_test_client \
  npu_firmware_image
built=$(date +%s)
rm -rf "$TSAN_REPORTS"
mkdir -p "$TSAN_REPORTS"
failed=()
for t in "${TSAN_TESTS[@]}"; do
  echo "=== tsan: $t"
  if ! "$BUILD_DIR/$t" --gtest_brief=1 ${1:+--gtest_filter="$1"}; then failed+=("$t"); fi
done
echo "tsan: build $((built - start)) s, tests $(( $(date +%s) - built )) s"
reports=("$TSAN_REPORTS"/report.*)
if [ -e "${reports[0]}" ]; then
  cat "${reports[@]}" >&2
  echo "tsan: ${#reports[@]} process(es) reported; the reports are above and in $TSAN_REPORTS" >&2
  exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "tsan: failures in ${failed[*]}" >&2
  exit 1
fi
echo "tsan: ${#TSAN_TESTS[@]} test binaries clean"
