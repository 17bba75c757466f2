#include "local/llm/local_session.hpp"

#include <fmt/format.h>

#include "local/llm/prefill_plan.hpp"

namespace npu::genai::detail {

Expected<std::shared_ptr<LocalSession>> LocalSession::create(std::shared_ptr<LlmModelCore> model,
                                                             std::shared_ptr<const LlmText> text,
                                                             std::uint8_t priority) {
  auto impl = std::make_shared<LocalSession>();
  NPU_TRY_ASSIGN(impl->core, LlmSessionCore::create(model));
  if (priority != LLMParams{}.scheduler_priority) NPU_TRY(impl->core->set_priority(priority));
  const auto& pkg = model->package();
  impl->info.name = pkg.name;
  impl->info.architecture = pkg.architecture;
  impl->info.synthetic = pkg.synthetic;
  impl->info.vocab = pkg.vocab;
  impl->info.context_length = pkg.context_length;
  impl->info.prefill_chunk = pkg.prefill_chunk;
  impl->info.weights_bytes = pkg.segment(abi::Segment::kWeights);
  impl->info.state_bytes = pkg.segment(abi::Segment::kState);
  impl->info.load_device_time = model->load_device_time();
  impl->info.load_host_time = model->load_host_time();
  impl->model = std::move(model);
  impl->text = std::move(text);
  impl->history.reserve(impl->info.context_length);
  return impl;
}

Expected<void> LocalSession::check_fits(std::size_t count) const {
  if (used() + count > capacity()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("the prompt is {} tokens but only {} of the model's {}-token context are "
                            "free ({} used): shorten the prompt, clear the context, or recompile "
                            "with a larger --context", count, capacity() - used(), capacity(), used()));
  }
  return {};
}

std::vector<TokenId> LocalSession::with_pending(std::span<const TokenId> tokens) const {
  std::vector<TokenId> all;
  all.reserve(tokens.size() + 1);
  if (pending) all.push_back(*pending);
  all.insert(all.end(), tokens.begin(), tokens.end());
  return all;
}

void add_step(GenerationStats& stats, const StepTiming& t, bool decode) noexcept {
  if (decode) {
    ++stats.tbt_runs;
    stats.device_decode += t.device_time;
    stats.decode_ddr_bytes += t.ddr_bytes;
    stats.decode_cycles += t.device_cycles;
    stats.decode_compute_cycles += t.compute_cycles;
    stats.decode_dma_cycles += t.dma_cycles;
    stats.decode_energy_j += t.energy_j;
  } else {
    ++stats.prefill_runs;
    stats.device_ttft += t.device_time;
  }
  stats.host_step += t.host_time;
  stats.queue += t.queue_time;
  stats.device_cycles += t.device_cycles;
  stats.ddr_bytes += t.ddr_bytes;
  stats.device_energy_j += t.energy_j;
}

Expected<StepResult> LocalSession::feed(std::span<const TokenId> tokens, PrefillMode mode,
                                             Readback readback, GenerationStats& stats, bool timing_only) {
  if (tokens.empty()) return fail(ErrorCode::kInvalidArgument, "nothing to run: the prompt is empty");
  NPU_TRY(check_fits(tokens.size()));
  for (TokenId t : tokens) {
    if (t < 0 || static_cast<std::uint32_t>(t) >= info.vocab) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("token id {} is outside the vocabulary (0..{})", t, info.vocab - 1));
    }
  }
  std::vector<std::uint32_t> runs;
  Subnet subnet = Subnet::kPrefill;
  if (mode == PrefillMode::kChunked) {
    runs = plan_prefill_chunks(static_cast<std::uint32_t>(tokens.size()), info.prefill_chunk);
  } else {
    runs.assign(tokens.size(), 1);
    subnet = Subnet::kTbt;
  }
  StepResult last;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    StepRequest req;
    req.subnet = subnet;
    req.position = used();
    req.tokens = tokens.subspan(offset, runs[i]);
    req.readback = i + 1 == runs.size() ? readback : Readback::kNone;
    req.timing_only = timing_only;
    auto r = core->step(req);
    if (!r) {
      clear();  // the device state no longer matches `history`
      return fail(r.error().with_context("the session's context was dropped"));
    }
    add_step(stats, r->timing, false);
    history.insert(history.end(), req.tokens.begin(), req.tokens.end());
    offset += runs[i];
    last = *r;
  }
  stats.prompt_tokens += static_cast<std::uint32_t>(tokens.size());
  return last;
}

void LocalSession::clear() noexcept {
  history.clear();
  pending.reset();
  core->forget_state();
}

}  // namespace npu::genai::detail
