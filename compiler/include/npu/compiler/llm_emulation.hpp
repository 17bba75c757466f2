// Runs a compiled LLM's prefill and TBT programs on the compiler's CPU emulation (emu.hpp) the way
// the runtime drives the device (docs/npk-llm.md): prompt in prefill chunks, then one token per
// TBT run. Tests use it as the bit-exact reference for the simulator; the compiler uses it for
// the SQNR report.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/emu.hpp"
#include "npu/compiler/llm_compiler.hpp"

namespace npu::compiler::llm {

class LlmEmulation {
 public:
  // Borrows `model` (its weights and programs) for the emulation's lifetime.
  [[nodiscard]] static Expected<LlmEmulation> create(const CompiledLlm& model);

  // Runs `tokens` from the current position through the prefill program: full chunks, then the
  // remainder as a partial chunk. Returns the logits of the last token. `hook` sees every op.
  [[nodiscard]] Expected<std::span<const float>> feed(std::span<const std::int32_t> tokens,
                                                      const emu::OpHook& hook = {});
  // One prefill run of up to `prefill_chunk` tokens at the current position.
  [[nodiscard]] Expected<std::span<const float>> prefill(std::span<const std::int32_t> tokens,
                                                         const emu::OpHook& hook = {});
  // One TBT run.
  [[nodiscard]] Expected<std::span<const float>> step(std::int32_t token, const emu::OpHook& hook = {});

  [[nodiscard]] std::int32_t next_token() const noexcept;  // argmax written by the last run
  [[nodiscard]] std::uint32_t position() const noexcept { return position_; }
  void reset() noexcept { position_ = 0; }
  [[nodiscard]] emu::Machine& machine() noexcept { return machine_; }
  [[nodiscard]] const CompiledLlm& model() const noexcept { return *model_; }

 private:
  LlmEmulation(const CompiledLlm& model, emu::Program prefill, emu::Program tbt);
  [[nodiscard]] Expected<std::span<const float>> run(const emu::Program& program,
                                                     std::span<const std::int32_t> tokens, const emu::OpHook& hook);

  const CompiledLlm* model_;
  emu::Program prefill_, tbt_;
  emu::Machine machine_;
  std::uint32_t position_ = 0;
};

}  // namespace npu::compiler::llm
