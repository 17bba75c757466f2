#!/usr/bin/env bash
# The main job: an LLM on the simulated NPU, with no download. Compiles a model with the published
# LFM2.5-1.2B-Thinking shapes (built into npustack) and synthetic weights, then generates through
# the whole stack (runtime -> driver -> hal -> simulated Hailo-10H-class NPU) and prints the
# modeled time to first token, decode tokens/s and energy. Synthetic weights give meaningless text:
# see docs/llm.md to use a real LFM2.5 GGUF instead.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${NPU_BUILD_DIR:-build}
NPU="$BUILD_DIR/tools/npu"
MODEL="$BUILD_DIR/lfm2.5-1.2b-synthetic.npk"

"$NPU" scan
if [ ! -f "$MODEL" ] || [ "$NPU" -nt "$MODEL" ]; then
  "$NPU" compile --synthetic lfm2.5-1.2b -o "$MODEL"
fi
"$NPU" generate "$MODEL" --prompt "What is the capital of France?" --max-tokens 32
