// LlmEmulation: the runtime's run protocol over the compiler's emulation.
#include <cstring>

#include <fmt/format.h>

#include "npu/compiler/llm_emulation.hpp"

namespace npu::compiler::llm {

Expected<LlmEmulation> LlmEmulation::create(const CompiledLlm& model) {
  NPU_TRY_ASSIGN(emu::Program prefill, codec::decode_program(codec::encode_program(model.prefill_ops, 0)));
  NPU_TRY_ASSIGN(emu::Program tbt, codec::decode_program(codec::encode_program(model.tbt_ops, 0)));
  return LlmEmulation(model, std::move(prefill), std::move(tbt));
}

LlmEmulation::LlmEmulation(const CompiledLlm& model, emu::Program prefill, emu::Program tbt)
    : model_(&model), prefill_(std::move(prefill)), tbt_(std::move(tbt)),
      machine_(model.weights, model.layout.segments.io, model.layout.segments.scratch, model.layout.segments.state) {}

Expected<std::span<const float>> LlmEmulation::run(const emu::Program& program, std::span<const std::int32_t> tokens,
                                                   const emu::OpHook& hook) {
  const LlmLayout& L = model_->layout;
  if (tokens.empty()) return fail(ErrorCode::kInvalidArgument, "a run needs at least one token");
  if (position_ + tokens.size() > L.context_length) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("{} tokens at position {} exceed the compiled context of {} positions", tokens.size(),
                            position_, L.context_length));
  }
  auto io = machine_.segment(abi::Segment::kIo);
  std::memcpy(io.data() + L.io.tokens_offset, tokens.data(), tokens.size_bytes());
  const std::int32_t params[2] = {static_cast<std::int32_t>(position_), static_cast<std::int32_t>(tokens.size())};
  NPU_TRY(machine_.run(program, params, hook));
  position_ += static_cast<std::uint32_t>(tokens.size());
  return std::span<const float>(reinterpret_cast<const float*>(io.data() + L.io.logits_offset), L.io.logits_count);
}

Expected<std::span<const float>> LlmEmulation::prefill(std::span<const std::int32_t> tokens, const emu::OpHook& hook) {
  if (tokens.size() > model_->layout.prefill_chunk) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("{} tokens do not fit one prefill chunk of {}", tokens.size(),
                                                         model_->layout.prefill_chunk));
  }
  return run(prefill_, tokens, hook);
}

Expected<std::span<const float>> LlmEmulation::step(std::int32_t token, const emu::OpHook& hook) {
  return run(tbt_, std::span<const std::int32_t>(&token, 1), hook);
}

Expected<std::span<const float>> LlmEmulation::feed(std::span<const std::int32_t> tokens, const emu::OpHook& hook) {
  if (tokens.empty()) return fail(ErrorCode::kInvalidArgument, "feed() needs at least one token");
  std::span<const float> logits;
  const std::size_t chunk = model_->layout.prefill_chunk;
  for (std::size_t at = 0; at < tokens.size(); at += chunk) {
    NPU_TRY_ASSIGN(logits, prefill(tokens.subspan(at, std::min(chunk, tokens.size() - at)), hook));
  }
  return logits;
}

std::int32_t LlmEmulation::next_token() const noexcept {
  std::int32_t t = 0;
  const auto io = std::as_const(machine_).segment(abi::Segment::kIo);
  std::memcpy(&t, io.data() + model_->layout.io.next_token_offset, sizeof t);
  return t;
}

}  // namespace npu::compiler::llm
