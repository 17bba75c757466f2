#include "local/llm/token_chooser.hpp"

namespace npu::genai::detail {

SamplingParams resolve_generation_sampling(const SamplingParams& caller, const SamplingParams& metadata_defaults,
                                           std::string_view model_name) {
  if (caller.any_sampling_set() || !metadata_defaults.any_sampling_set()) {
    return resolve_sampling(caller, model_name);
  }
  SamplingParams s = metadata_defaults;
  s.seed = caller.seed;
  s.repetition_window = caller.repetition_window;
  s.presence_penalty = caller.presence_penalty;
  s.frequency_penalty = caller.frequency_penalty;
  return s;
}

Expected<TokenChooser> TokenChooser::create(const GeneratorParams& params, const SamplingParams& resolved) {
  TokenChooser chooser;
  // Greedy picks on the device, unless penalties must change the logits first (then the host
  // sampler takes the argmax of the penalized logits).
  if ((params.greedy || (resolved.temperature && *resolved.temperature == 0.0f)) && !resolved.any_penalty_set()) {
    NPU_TRY(Sampler::create(resolved));  // still refuse bad values
    return chooser;
  }
  NPU_TRY_ASSIGN(auto sampler, Sampler::create(resolved));
  chooser.sampler_.emplace(std::move(sampler));
  return chooser;
}

void TokenChooser::accept(std::span<const TokenId> tokens) {
  if (!sampler_) return;
  const std::size_t window = static_cast<std::size_t>(
      sampler_->params().repetition_window.value_or(Sampler::kDefaultRepetitionWindow));
  const std::size_t from = tokens.size() > window ? tokens.size() - window : 0;
  for (std::size_t i = from; i < tokens.size(); ++i) sampler_->accept(tokens[i]);
}

}  // namespace npu::genai::detail
