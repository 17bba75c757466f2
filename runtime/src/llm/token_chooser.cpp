#include "token_chooser.hpp"

namespace npu::genai::detail {

SamplingParams to_sampling(const GeneratorParams& p) {
  SamplingParams s;
  s.temperature = p.temperature;
  if (p.top_k) s.top_k = static_cast<std::int32_t>(*p.top_k);
  s.top_p = p.top_p;
  s.min_p = p.min_p;
  s.repetition_penalty = p.repetition_penalty;
  s.seed = p.seed;
  return s;
}

SamplingParams resolve_generation_sampling(const GeneratorParams& params, const SamplingParams& metadata_defaults,
                                           std::string_view model_name) {
  SamplingParams caller = to_sampling(params);
  if (caller.any_sampling_set() || !metadata_defaults.any_sampling_set()) {
    return resolve_sampling(caller, model_name);
  }
  SamplingParams s = metadata_defaults;
  s.seed = caller.seed;
  return s;
}

Expected<TokenChooser> TokenChooser::create(const GeneratorParams& params, const SamplingParams& resolved) {
  TokenChooser chooser;
  if (params.greedy || (resolved.temperature && *resolved.temperature == 0.0f)) {
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
