#include "local/llm/llm_device_session.hpp"

#include <fmt/format.h>

namespace npu::genai::detail {

Expected<std::unique_ptr<LlmDeviceSession>> LlmDeviceSession::create(LlmModelCore& model, std::size_t device) {
  std::unique_ptr<LlmDeviceSession> s(new LlmDeviceSession(model, device));
  auto loaded = s->load();
  if (!loaded) {
    s->release();
    return fail(loaded.error().with_context(fmt::format("model '{}': setting up a session on device {}",
                                                        model.package().name, device)));
  }
  return s;
}

LlmDeviceSession::~LlmDeviceSession() { release(); }

bool LlmDeviceSession::valid() const noexcept {
  return prefill_loaded_ && tbt_loaded_ && prefill_.generation == model_.driver(device_).generation();
}

void LlmDeviceSession::release() noexcept {
  auto& drv = model_.driver(device_);
  const std::uint64_t gen = drv.generation();
  if (prefill_loaded_ && prefill_.generation == gen) (void)drv.unload_context(prefill_);
  if (tbt_loaded_ && tbt_.generation == gen) (void)drv.unload_context(tbt_);
  prefill_loaded_ = tbt_loaded_ = false;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    auto& seg = segments_[i];
    // The weights belong to the model core; only the session's own segments are freed here.
    if (i != static_cast<std::size_t>(abi::Segment::kWeights) && seg.size != 0 && seg.generation == gen) {
      drv.release(seg);
    }
    seg = {};
  }
}

Expected<void> LlmDeviceSession::load() {
  const auto& pkg = model_.package();
  auto& drv = model_.driver(device_);
  NPU_TRY_ASSIGN(segments_[static_cast<std::size_t>(abi::Segment::kWeights)], model_.weights_on(device_));
  std::uint32_t count = 1;
  for (auto s : {abi::Segment::kIo, abi::Segment::kScratch, abi::Segment::kState}) {
    const auto i = static_cast<std::size_t>(s);
    if (pkg.segment_bytes[i] != 0) {
      NPU_TRY_ASSIGN(segments_[i], drv.allocate(pkg.segment_bytes[i]));
    }
    count = static_cast<std::uint32_t>(i + 1);
  }
  driver::ContextSpec spec;
  spec.segments = segments_;
  spec.num_segments = count;
  spec.program = pkg.prefill_program;
  spec.sram_bytes = pkg.prefill_sram;
  NPU_TRY_ASSIGN(prefill_, drv.load_context(spec));
  prefill_loaded_ = true;
  spec.program = pkg.tbt_program;
  spec.sram_bytes = pkg.tbt_sram;
  NPU_TRY_ASSIGN(tbt_, drv.load_context(spec));
  tbt_loaded_ = true;
  return {};
}

}  // namespace npu::genai::detail
