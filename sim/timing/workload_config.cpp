// A small Hugging Face config.json reader for the timing-only workload model (qwen2, llama,
// lfm2). Only shapes: no weights, no tokenizer.
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"
#include "npu/sim/workload_shape.hpp"

namespace npu::sim {

namespace {

using nlohmann::json;

class Reader {
 public:
  Reader(const json& doc, const std::string& origin) : doc_(doc), origin_(origin) {}

  Expected<std::uint32_t> count(const char* key, std::optional<std::uint32_t> fallback = {}) const {
    const auto it = doc_.find(key);
    if (it == doc_.end() || it->is_null()) {
      if (fallback) return *fallback;
      return fail(error(key, "is missing"));
    }
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0 ||
        it->get<std::int64_t>() > (1 << 30)) {
      return fail(error(key, "must be a positive integer"));
    }
    return static_cast<std::uint32_t>(it->get<std::int64_t>());
  }
  bool flag(const char* key, bool fallback) const {
    const auto it = doc_.find(key);
    return it != doc_.end() && it->is_boolean() ? it->get<bool>() : fallback;
  }
  double number(const char* key, double fallback) const {
    const auto it = doc_.find(key);
    return it != doc_.end() && it->is_number() ? it->get<double>() : fallback;
  }
  Error error(std::string_view key, std::string_view what) const {
    return Error(ErrorCode::kBadFormat,
                 fmt::format("model config {}: \"{}\" {}; is this a Hugging Face config.json of "
                             "a qwen2, llama or lfm2 model?",
                             origin_, key, what));
  }
  const json& doc() const { return doc_; }

 private:
  const json& doc_;
  const std::string& origin_;
};

Expected<void> lfm2_layers(const Reader& r, std::uint32_t n, ModelShape& shape) {
  shape.layers.assign(n, LayerType::kShortConv);
  const json& doc = r.doc();
  if (const auto types = doc.find("layer_types"); types != doc.end()) {
    if (!types->is_array() || types->size() != n) {
      return fail(r.error("layer_types", fmt::format("must list {} layer types", n)));
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto& t = (*types)[i];
      if (t == "full_attention") {
        shape.layers[i] = LayerType::kAttention;
      } else if (t != "conv") {
        return fail(r.error("layer_types", fmt::format("entry {} is neither \"conv\" nor "
                                                       "\"full_attention\"", i)));
      }
    }
    return {};
  }
  const auto idxs = doc.find("full_attn_idxs");
  if (idxs == doc.end() || !idxs->is_array()) {
    return fail(r.error("layer_types", "and \"full_attn_idxs\" are both missing"));
  }
  for (const auto& v : *idxs) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() >= n) {
      return fail(r.error("full_attn_idxs", fmt::format("has an index outside 0..{}", n - 1)));
    }
    shape.layers[v.get<std::size_t>()] = LayerType::kAttention;
  }
  return {};
}

}  // namespace

std::uint32_t lfm2_effective_ffn(std::uint32_t block_ff_dim, double multiplier,
                                 std::uint32_t multiple_of) noexcept {
  auto ff = static_cast<std::uint64_t>(2 * static_cast<std::uint64_t>(block_ff_dim) / 3);
  ff = static_cast<std::uint64_t>(multiplier * static_cast<double>(ff));
  if (multiple_of == 0) multiple_of = 1;
  return static_cast<std::uint32_t>((ff + multiple_of - 1) / multiple_of * multiple_of);
}

std::uint64_t ModelShape::parameters() const noexcept {
  const std::uint64_t h = hidden;
  const std::uint64_t kv = static_cast<std::uint64_t>(kv_heads) * head_dim;
  const std::uint64_t q = static_cast<std::uint64_t>(heads) * head_dim;
  std::uint64_t total = static_cast<std::uint64_t>(vocab) * h * (tied_embedding ? 1 : 2);
  for (LayerType t : layers) {
    total += 3 * h * ffn;
    total += t == LayerType::kAttention ? h * (q + 2 * kv) + q * h : h * 3 * h + h * h;
  }
  return total;
}

Expected<ModelShape> parse_hf_config(std::string_view json_text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("model config {}: not valid JSON ({})", origin, e.what()));
  }
  if (!doc.is_object()) {
    return fail(ErrorCode::kBadFormat, fmt::format("model config {}: not a JSON object", origin));
  }
  const Reader r(doc, origin);
  const auto type = doc.find("model_type");
  if (type == doc.end() || !type->is_string()) return fail(r.error("model_type", "is missing"));
  ModelShape s;
  s.architecture = type->get<std::string>();
  NPU_TRY_ASSIGN(s.hidden, r.count("hidden_size"));
  NPU_TRY_ASSIGN(const std::uint32_t n_layers, r.count("num_hidden_layers"));
  NPU_TRY_ASSIGN(s.heads, r.count("num_attention_heads"));
  NPU_TRY_ASSIGN(s.kv_heads, r.count("num_key_value_heads", s.heads));
  NPU_TRY_ASSIGN(s.vocab, r.count("vocab_size"));
  if (s.hidden % s.heads != 0) return fail(r.error("num_attention_heads", "does not divide hidden_size"));
  if (s.heads % s.kv_heads != 0) {
    return fail(r.error("num_key_value_heads", "does not divide num_attention_heads"));
  }
  NPU_TRY_ASSIGN(s.head_dim, r.count("head_dim", s.hidden / s.heads));

  if (s.architecture == "lfm2") {
    NPU_TRY_ASSIGN(const std::uint32_t ff, r.count("block_ff_dim"));
    s.ffn = ff;
    if (r.flag("block_auto_adjust_ff_dim", false)) {
      NPU_TRY_ASSIGN(const std::uint32_t multiple, r.count("block_multiple_of", 1));
      s.ffn = lfm2_effective_ffn(ff, r.number("block_ffn_dim_multiplier", 1.0), multiple);
    }
    NPU_TRY_ASSIGN(s.conv_kernel, r.count("conv_L_cache", 3));
    s.qk_norm = true;
    s.tied_embedding = r.flag("tie_embedding", true);
    NPU_TRY(lfm2_layers(r, n_layers, s));
  } else if (s.architecture == "qwen2" || s.architecture == "llama") {
    NPU_TRY_ASSIGN(s.ffn, r.count("intermediate_size"));
    s.qkv_bias = s.architecture == "qwen2" || r.flag("attention_bias", false);
    s.tied_embedding = r.flag("tie_word_embeddings", false);
    s.layers.assign(n_layers, LayerType::kAttention);
  } else {
    return fail(ErrorCode::kUnsupported,
                fmt::format("model config {}: model_type \"{}\" is not supported by the timing "
                            "model; supported: qwen2, llama, lfm2",
                            origin, s.architecture));
  }
  return s;
}

Expected<ModelShape> load_hf_config(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto text, read_text_file(path));
  return parse_hf_config(text, path.string());
}

}  // namespace npu::sim
