// Inputs of `npu compile` for LLMs -> LlmSource (config, weights, tokenizer, name).
#include <fmt/format.h>

#include "npu/common/file.hpp"
#include "npu/common/log.hpp"
#include "npu/compiler/llm_builtin.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"

namespace npu::compiler::llm {
namespace {

void fill_special_ids(TokenizerData& t, const ModelConfig& c) {
  auto id = [&](std::int64_t v) {
    return v >= 0 && static_cast<std::uint64_t>(v) < t.tokens.size() ? static_cast<std::int32_t>(v) : TokenizerData::kNoToken;
  };
  if (t.bos_id < 0) t.bos_id = id(c.bos_token_id);
  if (t.eos_id < 0) t.eos_id = id(c.eos_token_id);
  if (t.pad_id < 0) t.pad_id = id(c.pad_token_id);
}

Expected<LoadedLlm> finish(std::unique_ptr<WeightSource> weights, ModelConfig config, TokenizerData tok, std::string name,
                           bool synthetic) {
  fill_special_ids(tok, config);
  if (!tok.tokens.empty()) {
    auto v = tok.validate();
    if (!v) return fail(v.error().with_context("the model's tokenizer"));
  }
  LoadedLlm out;
  out.weights = std::move(weights);
  out.source = LlmSource{std::move(config), out.weights.get(), std::move(tok), std::move(name), synthetic};
  return out;
}

}  // namespace

Expected<TokenizerData> tokenizer_from_export(const GgufTokenizer& g, const ModelConfig& config) {
  TokenizerData t;
  t.model = g.model;
  t.pre = g.pre;
  t.tokens = g.tokens;
  for (std::int32_t type : g.token_types) {
    NPU_TRY_ASSIGN(TokenType tt, token_type_from_gguf(type));
    t.token_types.push_back(tt);
  }
  t.merges = g.merges;
  t.add_bos = g.add_bos;
  t.chat_template = g.chat_template;
  fill_special_ids(t, config);
  return t;
}

Expected<TokenizerData> tokenizer_from_gguf(const GgufFile& f) {
  TokenizerData t;
  auto str = [&](const char* key, std::string& out) -> Expected<void> {
    if (const GgufValue* v = f.find(key)) {
      NPU_TRY_ASSIGN(std::string_view s, v->as_string());
      out = std::string(s);
    }
    return {};
  };
  auto strings = [&](const char* key, std::vector<std::string>& out) -> Expected<void> {
    const GgufValue* v = f.find(key);
    if (v == nullptr) return {};
    NPU_TRY_ASSIGN(const GgufArray* a, v->as_array());
    out.reserve(a->items.size());
    for (const GgufValue& item : a->items) {
      NPU_TRY_ASSIGN(std::string_view s, item.as_string());
      out.emplace_back(s);
    }
    return {};
  };
  auto id = [&](const char* key, std::int32_t& out) -> Expected<void> {
    if (const GgufValue* v = f.find(key)) {
      const GgufArray* list = v->get_if<GgufArray>();  // several ids (EOS): the first is the token's id
      if (list != nullptr && list->items.empty()) return {};
      NPU_TRY_ASSIGN(std::int64_t i, list != nullptr ? list->items.front().as_i64() : v->as_i64());
      out = static_cast<std::int32_t>(i);
    }
    return {};
  };
  auto read = [&]() -> Expected<void> {
    NPU_TRY(str("tokenizer.ggml.model", t.model));
    NPU_TRY(str("tokenizer.ggml.pre", t.pre));
    NPU_TRY(str("tokenizer.chat_template", t.chat_template));
    // Named templates, as llama.cpp's converter writes them: tokenizer.chat_template.tool_use, ...
    constexpr std::string_view kNamedPrefix = "tokenizer.chat_template.";
    for (const auto& [key, value] : f.metadata()) {
      if (!key.starts_with(kNamedPrefix) || key.size() == kNamedPrefix.size()) continue;
      NPU_TRY_ASSIGN(std::string_view text, value.as_string());
      t.named_chat_templates.emplace_back(key.substr(kNamedPrefix.size()), std::string(text));
    }
    NPU_TRY(strings("tokenizer.ggml.tokens", t.tokens));
    NPU_TRY(strings("tokenizer.ggml.merges", t.merges));
    NPU_TRY(id("tokenizer.ggml.bos_token_id", t.bos_id));
    NPU_TRY(id("tokenizer.ggml.eos_token_id", t.eos_id));
    NPU_TRY(id("tokenizer.ggml.padding_token_id", t.pad_id));
    NPU_TRY(id("tokenizer.ggml.unknown_token_id", t.unk_id));
    if (const GgufValue* v = f.find("tokenizer.ggml.add_bos_token")) {
      NPU_TRY_ASSIGN(t.add_bos, v->as_bool());
    }
    if (const GgufValue* v = f.find("tokenizer.ggml.token_type")) {
      NPU_TRY_ASSIGN(const GgufArray* a, v->as_array());
      for (const GgufValue& item : a->items) {
        NPU_TRY_ASSIGN(std::int64_t type, item.as_i64());
        NPU_TRY_ASSIGN(TokenType tt, token_type_from_gguf(static_cast<std::int32_t>(type)));
        t.token_types.push_back(tt);
      }
    } else {
      t.token_types.assign(t.tokens.size(), TokenType::kNormal);
    }
    return {};
  };
  auto r = read();
  if (!r) return fail(r.error().with_context(fmt::format("tokenizer of {}", f.source())));
  if (t.pre.empty()) t.pre = "default";
  return t;
}

Expected<LoadedLlm> load_llm_model(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(LoadedModel model, load_model(path));
  TokenizerData tok;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    auto t = tokenizer_from_hf_folder(path, model.config);
    if (t) tok = std::move(*t);
    else log().warn("{}: {}; the .npk will carry no tokenizer (use --tokens with npu generate)", path.string(), t.error().message());
  } else if (const auto* gguf = dynamic_cast<const GgufWeightSource*>(model.weights.get())) {
    NPU_TRY_ASSIGN(tok, tokenizer_from_gguf(gguf->file()));
  }
  std::string name = path.filename().string();
  if (name.empty()) name = path.parent_path().filename().string();
  return finish(std::move(model.weights), std::move(model.config), std::move(tok), std::move(name), false);
}

Expected<LoadedLlm> load_llm_synthetic(std::string_view config_or_name, std::uint64_t seed) {
  ModelConfig config;
  std::string name;
  if (auto builtin = find_builtin_model(config_or_name)) {
    NPU_TRY_ASSIGN(config, model_config_from_hf_json(builtin->config_json));
    name = fmt::format("{} (synthetic weights)", builtin->description);
  } else {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(config_or_name), ec)) {
      return fail(ErrorCode::kNotFound,
                  fmt::format("--synthetic '{}' is neither a config.json file nor a built-in model ({})", config_or_name,
                              builtin_model_names()));
    }
    NPU_TRY_ASSIGN(config, model_config_from_hf_file(std::filesystem::path(config_or_name)));
    name = fmt::format("{} (synthetic weights)", std::filesystem::path(config_or_name).stem().string());
  }
  NPU_TRY_ASSIGN(auto weights, SyntheticWeightSource::create(config, seed));
  TokenizerData tok;
  if (config.vocab_size >= kSyntheticMinVocab) {
    NPU_TRY_ASSIGN(GgufTokenizer g, make_synthetic_tokenizer(config.vocab_size));
    NPU_TRY_ASSIGN(tok, tokenizer_from_export(g, config));
  }
  return finish(std::move(weights), std::move(config), std::move(tok), std::move(name), true);
}

}  // namespace npu::compiler::llm
