// The JSON documents of an LLM .npk: metadata (docs/npk-llm.md), calibration and allocation plan.
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "llm_internal.hpp"
#include "npu/compiler/rope_scaling.hpp"

namespace npu::compiler::llm {
namespace {

nlohmann::json config_json(const ModelConfig& c) {
  nlohmann::json types = nlohmann::json::array();
  for (LayerKind k : c.layer_kinds) types.push_back(k == LayerKind::kConv ? "conv" : "attention");
  return {{"hidden", c.hidden_size}, {"layers", c.n_layers}, {"heads", c.n_heads}, {"kv_heads", c.kv_heads},
          {"head_dim", c.head_dim}, {"ffn", c.ffn_size}, {"vocab", c.vocab_size}, {"rope_theta", c.rope_theta},
          {"norm_eps", c.norm_eps}, {"conv_l_cache", c.conv_l_cache}, {"layer_types", types},
          {"tied_embeddings", c.tied_embeddings}, {"qkv_bias", c.qkv_bias}, {"qk_norm", c.qk_norm},
          {"bos_token_id", c.bos_token_id}, {"eos_token_id", c.eos_token_id}, {"pad_token_id", c.pad_token_id},
          {"rope_scaling", rope_scaling_name(c)}, {"rope_freq_scale", c.rope_freq_scale}};
}

// Every token that ends a turn: the model's own ids (EOS lists, GGUF eos/eot/eom), then the
// vocabulary's end-of-turn markers by their text, as llama.cpp's vocabulary marks them.
std::vector<std::int64_t> end_of_turn_token_ids(const ModelConfig& c, const TokenizerData& tok) {
  std::vector<std::int64_t> ids = c.end_of_turn_tokens();
  static constexpr std::string_view kMarkers[] = {"<|eot_id|>",    "<|eom_id|>",    "<|end_of_text|>", "<|im_end|>",
                                                  "<|endoftext|>", "<end_of_turn>", "<|end|>",         "<EOT>"};
  for (std::size_t id = 0; id < tok.tokens.size(); ++id) {
    const bool marker = std::find(std::begin(kMarkers), std::end(kMarkers), tok.tokens[id]) != std::end(kMarkers);
    if (marker && std::find(ids.begin(), ids.end(), std::int64_t(id)) == ids.end()) ids.push_back(std::int64_t(id));
  }
  return ids;
}

// JSON has no infinity: a perfect match is reported as 200 dB.
double finite_db(double db) { return std::isfinite(db) ? std::min(db, 200.0) : 200.0; }

}  // namespace

std::string calibration_json(const CalibrationReport& r) {
  nlohmann::json scales = nlohmann::json::object();
  for (const auto& [name, amax] : r.amax) {
    const auto clip_it = r.clip.find(name);
    const float range = clip_it != r.clip.end() ? clip_it->second : amax;
    scales[name] = {{"amax", amax}, {"clip", range}, {"scale", range > 0 ? range / 127.0f : 1.0f}};
  }
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSqnr& l : r.layers) {
    layers.push_back({{"index", l.layer}, {"kind", to_string(l.kind)}, {"precision", l.precision},
                      {"sqnr_db", finite_db(l.sqnr_db)}});
  }
  return nlohmann::json{{"tokens", r.tokens}, {"activation_scales", scales}, {"sqnr", layers},
                        {"logits_sqnr_db", finite_db(r.logits_sqnr_db)}, {"top1_agreement", r.top1_agreement}}
      .dump(2);
}

std::string allocation_json(const AllocationPlan& p) {
  nlohmann::json entries = nlohmann::json::array();
  for (const PlanEntry& e : p.entries) {
    entries.push_back({{"name", e.name}, {"memory", e.memory}, {"segment", e.segment}, {"offset", e.offset},
                       {"bytes", e.bytes}});
  }
  return nlohmann::json{{"device", p.device},
                        {"sram", {{"capacity", p.sram_capacity}, {"reserved", p.sram_reserved}, {"used", p.sram_used}}},
                        {"ddr", {{"capacity", p.ddr_capacity}, {"used", p.ddr_used}}},
                        {"entries", entries}}
      .dump(2);
}

namespace detail {

std::string metadata_json(const CompiledLlm& m) {
  const ModelConfig& c = m.config;
  nlohmann::json layers = nlohmann::json::array();
  for (std::uint32_t l = 0; l < c.n_layers; ++l) {
    const LinearPrecision p = m.policy.for_layer(l, c.layer_kinds[l]);
    layers.push_back({{"index", l}, {"kind", to_string(c.layer_kinds[l])},
                      {"weights", p.weights == WeightType::kInt4 ? "int4" : p.weights == WeightType::kInt8 ? "int8"
                                  : p.weights == WeightType::kF16 ? "f16" : "fp32"},
                      {"activations", p.quantized() ? "int8" : "fp32"}});
  }
  const LlmLayout& L = m.layout;
  nlohmann::json config = config_json(c);
  config["end_of_turn_token_ids"] = end_of_turn_token_ids(c, m.tokenizer);
  nlohmann::json meta = {
      {"kind", "llm"},
      {"schema", 1},
      {"name", m.name},
      {"architecture", to_string(c.arch)},
      {"config", config},
      {"context_length", L.context_length},
      {"prefill_chunk", L.prefill_chunk},
      {"policy", {{"name", m.policy.name}, {"layers", layers}, {"head", to_string(m.policy.head, true)},
                  {"embedding", to_string(m.policy.embedding)}, {"kv_cache", to_string(m.policy.kv_cache)}}},
      {"synthetic", m.synthetic},
      {"generation_defaults", {{"temperature", 0.05}, {"top_k", 50}, {"repetition_penalty", 1.05}}},
      {"segments", {{"weights", L.segments.weights}, {"io", L.segments.io}, {"scratch", L.segments.scratch},
                    {"state", L.segments.state}}},
      {"io", {{"tokens", {{"offset", L.io.tokens_offset}, {"dtype", "i32"}, {"count", L.io.tokens_count}}},
              {"logits", {{"offset", L.io.logits_offset}, {"dtype", "f32"}, {"count", L.io.logits_count}}},
              {"next_token", {{"offset", L.io.next_token_offset}, {"dtype", "i32"}, {"count", 1}}}}},
      {"subnets", {{{"name", "prefill"}, {"rows", L.prefill_chunk}}, {{"name", "tbt"}, {"rows", 1}}}},
      {"sram_bytes", m.allocation.sram_used},
      {"compiler", {{"name", "npustack llm compiler"}}},
  };
  return meta.dump(2);
}

}  // namespace detail
}  // namespace npu::compiler::llm
