// Built-in precision policies and the policy JSON format.
#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"
#include "npu/compiler/llm_policy.hpp"

namespace npu::compiler::llm {

LinearPrecision PrecisionPolicy::for_layer(std::uint32_t index, LayerKind kind) const {
  if (auto it = layers.find(index); it != layers.end()) return it->second;
  return kind == LayerKind::kConv ? conv : attention;
}

std::string to_string(const LinearPrecision& p, bool head) {
  std::string base;
  switch (p.weights) {
    case WeightType::kF32: return "fp32";
    case WeightType::kF16: return "f16";
    case WeightType::kInt8: base = head ? "int8" : "w8a8"; break;
    case WeightType::kInt4: base = head ? "int4" : "w4a8"; break;
  }
  return p.group == 0 ? base : fmt::format("{}-block{}", base, p.group);
}

Expected<LinearPrecision> parse_linear_precision(std::string_view text) {
  std::string_view kind = text;
  std::uint32_t group = 0;
  if (auto dash = text.find("-block"); dash != std::string_view::npos) {
    kind = text.substr(0, dash);
    const std::string digits(text.substr(dash + 6));
    try {
      std::size_t used = 0;
      const unsigned long g = std::stoul(digits, &used);
      if (used != digits.size() || g == 0 || g > 4096 || (g & 1) != 0) throw std::invalid_argument("g");
      group = static_cast<std::uint32_t>(g);
    } catch (const std::exception&) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("precision '{}': the block size after '-block' must be an even number "
                              "from 2 to 4096 (e.g. 'int8-block32')", text));
    }
  }
  LinearPrecision p;
  p.group = group;
  if (kind == "w4a8" || kind == "int4") p.weights = WeightType::kInt4;
  else if (kind == "w8a8" || kind == "int8") p.weights = WeightType::kInt8;
  else if ((kind == "f16" || kind == "fp16") && group == 0) p.weights = WeightType::kF16;
  else if ((kind == "fp32" || kind == "f32") && group == 0) p.weights = WeightType::kF32;
  else {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("unknown precision '{}'; use w4a8, w8a8, f16 or fp32 (integer ones may add "
                            "-blockN, e.g. w8a8-block32)", text));
  }
  return p;
}

std::string_view to_string(EmbeddingType t) noexcept {
  switch (t) {
    case EmbeddingType::kF32: return "fp32";
    case EmbeddingType::kF16: return "f16";
    case EmbeddingType::kBF16: return "bf16";
    case EmbeddingType::kInt8: return "int8";
  }
  return "?";
}

Expected<EmbeddingType> parse_embedding_type(std::string_view text) {
  if (text == "fp32" || text == "f32") return EmbeddingType::kF32;
  if (text == "f16" || text == "fp16") return EmbeddingType::kF16;
  if (text == "bf16") return EmbeddingType::kBF16;
  if (text == "int8") return EmbeddingType::kInt8;
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("unknown embedding precision '{}'; use fp32, f16, bf16 or int8", text));
}

std::string_view to_string(KvCacheType t) noexcept {
  switch (t) {
    case KvCacheType::kF32: return "fp32";
    case KvCacheType::kF16: return "f16";
    case KvCacheType::kInt8: return "int8";
  }
  return "?";
}

Expected<KvCacheType> parse_kv_cache_type(std::string_view text) {
  if (text == "fp32" || text == "f32") return KvCacheType::kF32;
  if (text == "f16" || text == "fp16") return KvCacheType::kF16;
  if (text == "int8") return KvCacheType::kInt8;
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("unknown KV cache type '{}'; use int8, f16 or fp32", text));
}

Expected<PrecisionPolicy> builtin_policy(std::string_view name) {
  PrecisionPolicy p;  // the defaults are the "default" policy
  p.name = std::string(name);
  if (name == "default") return p;
  if (name == "w4a8" || name == "w8a8") {
    const WeightType w = name == "w4a8" ? WeightType::kInt4 : WeightType::kInt8;
    p.conv = p.attention = LinearPrecision{w, 0};
    p.head = LinearPrecision{WeightType::kInt8, 0};
    return p;
  }
  if (name == "fp32") {
    p.conv = p.attention = p.head = LinearPrecision{WeightType::kF32, 0};
    p.embedding = EmbeddingType::kF32;
    p.kv_cache = KvCacheType::kF32;
    return p;
  }
  return fail(ErrorCode::kNotFound,
              fmt::format("unknown precision policy '{}'; built-in policies are default, w4a8, w8a8 and "
                          "fp32, or give the path of a policy JSON file", name));
}

Expected<PrecisionPolicy> parse_policy_json(std::string_view text, std::string_view origin) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::kBadFormat, fmt::format("policy {}: {}", origin, what));
  };
  if (j.is_discarded() || !j.is_object()) return bad("is not a JSON object");
  static const char* kKeys[] = {"name",  "base",      "conv",     "attention", "layers",
                                "head",  "embedding", "kv_cache", "comment"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return bad(fmt::format("unknown key '{}' (known: name, base, conv, attention, layers, head, embedding, kv_cache)", key));
    }
  }
  auto str = [&](const char* key) -> Expected<std::optional<std::string>> {
    if (!j.contains(key)) return std::optional<std::string>{};
    if (!j[key].is_string()) return bad(fmt::format("'{}' must be a string", key));
    return std::optional<std::string>(j[key].get<std::string>());
  };
  NPU_TRY_ASSIGN(auto base, str("base"));
  NPU_TRY_ASSIGN(PrecisionPolicy p, builtin_policy(base.value_or("default")));
  NPU_TRY_ASSIGN(auto name, str("name"));
  p.name = name.value_or(std::string(origin));
  auto with_origin = [&](Expected<LinearPrecision> r) -> Expected<LinearPrecision> {
    if (!r) return fail(r.error().with_context(fmt::format("policy {}", origin)));
    return r;
  };
  for (const char* key : {"conv", "attention", "head"}) {
    NPU_TRY_ASSIGN(auto v, str(key));
    if (!v) continue;
    NPU_TRY_ASSIGN(LinearPrecision lp, with_origin(parse_linear_precision(*v)));
    (std::string_view(key) == "conv" ? p.conv : std::string_view(key) == "head" ? p.head : p.attention) = lp;
  }
  NPU_TRY_ASSIGN(auto emb, str("embedding"));
  if (emb) {
    auto e = parse_embedding_type(*emb);
    if (!e) return fail(e.error().with_context(fmt::format("policy {}", origin)));
    p.embedding = *e;
  }
  NPU_TRY_ASSIGN(auto kv, str("kv_cache"));
  if (kv) {
    auto t = parse_kv_cache_type(*kv);
    if (!t) return fail(t.error().with_context(fmt::format("policy {}", origin)));
    p.kv_cache = *t;
  }
  if (j.contains("layers")) {
    if (!j["layers"].is_object()) return bad("'layers' must be an object {\"<index>\": \"w8a8\", ...}");
    for (const auto& [key, value] : j["layers"].items()) {
      std::uint32_t index = 0;
      auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
      if (ec != std::errc() || ptr != key.data() + key.size()) {
        return bad(fmt::format("layer key '{}' is not a layer index", key));
      }
      if (!value.is_string()) return bad(fmt::format("layer {}: precision must be a string", key));
      NPU_TRY_ASSIGN(p.layers[index], with_origin(parse_linear_precision(value.get<std::string>())));
    }
  }
  return p;
}

Expected<PrecisionPolicy> load_policy(std::string_view name_or_path) {
  auto builtin = builtin_policy(name_or_path);
  if (builtin) return builtin;
  const std::filesystem::path path(name_or_path);
  std::error_code ec;
  const bool looks_like_file = path.has_extension() || name_or_path.find('/') != std::string_view::npos;
  if (!looks_like_file && !std::filesystem::exists(path, ec)) return builtin;  // unknown name
  NPU_TRY_ASSIGN(std::string text, read_text_file(path));
  return parse_policy_json(text, path.string());
}

}  // namespace npu::compiler::llm
