// The tokenizer of a Hugging Face folder: tokenizer.json (BPE model: vocab, merges, added tokens)
// and tokenizer_config.json (chat template, add_bos_token), chat_template.jinja and
// additional_chat_templates/*.jinja -> TokenizerData.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"
#include "npu/compiler/llm_source.hpp"

namespace npu::compiler::llm {
namespace {

// tokenizer_config.json's "chat_template": one template text, or Hugging Face's list of named
// templates [{"name": "default", "template": "..."}, {"name": "tool_use", ...}].
Expected<void> chat_templates_from_config(const nlohmann::json& value, const std::filesystem::path& path,
                                          TokenizerData& t) {
  if (value.is_null()) return {};
  if (value.is_string()) {
    t.chat_template = value.get<std::string>();
    return {};
  }
  if (!value.is_array()) {
    return fail(ErrorCode::kBadFormat, fmt::format("{}: chat_template is neither a string nor a list of "
                                                   "{{\"name\", \"template\"}} objects", path.string()));
  }
  for (const auto& entry : value) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("template") || !entry["template"].is_string()) {
      return fail(ErrorCode::kBadFormat, fmt::format("{}: every chat_template list entry needs a string "
                                                     "\"name\" and \"template\"", path.string()));
    }
    const std::string name = entry["name"].get<std::string>();
    if (name == "default") t.chat_template = entry["template"].get<std::string>();
    else t.named_chat_templates.emplace_back(name, entry["template"].get<std::string>());
  }
  return {};
}

// Template files next to the tokenizer, which take precedence over tokenizer_config.json as in
// Hugging Face: chat_template.jinja (the default template) and additional_chat_templates/NAME.jinja.
Expected<void> chat_templates_from_files(const std::filesystem::path& dir, TokenizerData& t) {
  std::error_code ec;
  if (const auto path = dir / "chat_template.jinja"; std::filesystem::is_regular_file(path, ec)) {
    NPU_TRY_ASSIGN(t.chat_template, read_text_file(path));
  }
  const auto extra = dir / "additional_chat_templates";
  if (!std::filesystem::is_directory(extra, ec)) return {};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(extra, ec)) {
    if (entry.path().extension() == ".jinja") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // a stable order: the .npk is the same on every host
  for (const auto& path : files) {
    NPU_TRY_ASSIGN(std::string text, read_text_file(path));
    const std::string name = path.stem().string();
    auto it = std::find_if(t.named_chat_templates.begin(), t.named_chat_templates.end(),
                           [&](const auto& n) { return n.first == name; });
    if (it != t.named_chat_templates.end()) it->second = std::move(text);
    else t.named_chat_templates.emplace_back(name, std::move(text));
  }
  return {};
}

}  // namespace

Expected<TokenizerData> tokenizer_from_hf_folder(const std::filesystem::path& dir, const ModelConfig& config) {
  const auto path = dir / "tokenizer.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ErrorCode::kNotFound, fmt::format("no tokenizer.json in {}", dir.string()));
  }
  NPU_TRY_ASSIGN(const std::string text, read_text_file(path));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::kBadFormat, fmt::format("{}: {}", path.string(), what));
  };
  if (j.is_discarded() || !j.is_object() || !j.contains("model") || !j["model"].is_object()) return bad("not a tokenizer.json");
  const nlohmann::json& model = j["model"];
  if (model.value("type", "") != "BPE") return bad("only BPE tokenizers are supported");
  if (!model.contains("vocab") || !model["vocab"].is_object()) return bad("model.vocab is missing");
  TokenizerData t;
  t.pre = config.arch == Architecture::kQwen2 || config.arch == Architecture::kQwen3 ? "qwen2" : config.arch == Architecture::kLlama ? "llama3" : "lfm2";
  // Ids index the model's embedding rows: none may lie beyond its vocabulary (which also keeps a
  // tiny malformed file from making this allocate millions of placeholder tokens).
  const std::int64_t id_limit = config.vocab_size > 0 ? std::int64_t{config.vocab_size} : std::int64_t{1} << 24;
  auto place = [&](std::int64_t id, const std::string& s, TokenType type) -> Expected<void> {
    if (id < 0 || id >= id_limit) {
      return bad(fmt::format("token id {} is outside the model's vocabulary of {} tokens", id, id_limit));
    }
    if (static_cast<std::size_t>(id) >= t.tokens.size()) {
      const std::size_t old = t.tokens.size();
      t.tokens.resize(static_cast<std::size_t>(id) + 1);
      t.token_types.resize(t.tokens.size(), TokenType::kUnused);
      for (std::size_t i = old; i < t.tokens.size(); ++i) t.tokens[i] = fmt::format("<|npu_unused_{}|>", i);
    }
    t.tokens[static_cast<std::size_t>(id)] = s;
    t.token_types[static_cast<std::size_t>(id)] = type;
    return {};
  };
  try {  // nlohmann::json throws on a value of the wrong type: turn that into an Error
  for (const auto& [s, id] : model["vocab"].items()) {
    if (!id.is_number_integer()) return bad(fmt::format("vocab entry '{}' has no integer id", s));
    NPU_TRY(place(id.get<std::int64_t>(), s, TokenType::kNormal));
  }
  if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
    for (const auto& a : j["added_tokens"]) {
      if (!a.is_object() || !a.contains("id") || !a.contains("content")) return bad("malformed added_tokens entry");
      NPU_TRY(place(a["id"].get<std::int64_t>(), a["content"].get<std::string>(),
                    a.value("special", false) ? TokenType::kControl : TokenType::kUserDefined));
    }
  }
  if (model.contains("merges") && model["merges"].is_array()) {
    for (const auto& m : model["merges"]) {
      if (m.is_string()) t.merges.push_back(m.get<std::string>());
      else if (m.is_array() && m.size() == 2) t.merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
      else return bad("malformed merge entry");
    }
  }
  } catch (const nlohmann::json::exception& e) {
    return bad(fmt::format("malformed: {}", e.what()));
  }
  const auto cfg_path = dir / "tokenizer_config.json";
  if (std::filesystem::is_regular_file(cfg_path, ec)) {
    NPU_TRY_ASSIGN(const std::string cfg_text, read_text_file(cfg_path));
    const nlohmann::json cfg = nlohmann::json::parse(cfg_text, nullptr, false);
    if (cfg.is_object()) {
      if (cfg.contains("chat_template")) NPU_TRY(chat_templates_from_config(cfg["chat_template"], cfg_path, t));
      if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean()) t.add_bos = cfg["add_bos_token"];
    }
  }
  NPU_TRY(chat_templates_from_files(dir, t));
  return t;
}

}  // namespace npu::compiler::llm
