#include "npu/genai/chat_template.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builtin_templates.hpp"
#include "jinja/template.hpp"

namespace npu::genai {

using Json = nlohmann::ordered_json;

struct ChatTemplate::Impl {
  jinja::Template compiled;
  std::string source;
  std::string origin;
  TemplateTokens tokens;
  bool reads_reasoning_content = false;
};

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Expected<Json> parse_object(std::string_view text, std::string_view what) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("{} is not a JSON object: {}", what,
                                                         text.size() > 80 ? std::string(text.substr(0, 80)) + "..." : std::string(text)));
  }
  return j;
}

Expected<std::shared_ptr<const ChatTemplate::Impl>> make_impl(std::string_view source, std::string origin,
                                                              TemplateTokens tokens) {
  auto compiled = jinja::Template::compile(source);
  if (!compiled) return fail(compiled.error().with_context(fmt::format("chat template ({})", origin)));
  auto impl = std::make_shared<ChatTemplate::Impl>(ChatTemplate::Impl{
      std::move(*compiled), std::string(source), std::move(origin), std::move(tokens),
      source.find("reasoning_content") != std::string_view::npos});
  return std::shared_ptr<const ChatTemplate::Impl>(std::move(impl));
}

Expected<std::string> render_values(const ChatTemplate::Impl& impl, jinja::Value messages, jinja::Value tools,
                                    const ChatOptions& options) {
  std::vector<std::pair<std::string, jinja::Value>> vars;
  vars.emplace_back("messages", std::move(messages));
  vars.emplace_back("tools", std::move(tools));
  vars.emplace_back("documents", jinja::Value(jinja::None{}));
  vars.emplace_back("add_generation_prompt", jinja::Value(options.add_generation_prompt));
  const TemplateTokens& t = impl.tokens;
  for (const auto& [name, text] : {std::pair{"bos_token", &t.bos}, {"eos_token", &t.eos},
                                   {"pad_token", &t.pad}, {"unk_token", &t.unk}}) {
    if (!text->empty()) vars.emplace_back(name, jinja::Value(*text));
  }
  if (!options.template_kwargs_json.empty()) {
    NPU_TRY_ASSIGN(const Json kwargs, parse_object(options.template_kwargs_json, "template kwargs"));
    for (const auto& [key, value] : kwargs.items()) {
      if (key == "messages" || key == "tools" || key == "documents" || key == "add_generation_prompt") {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("template kwargs cannot set '{}': pass it as its own argument", key));
      }
      auto it = std::find_if(vars.begin(), vars.end(), [&](const auto& v) { return v.first == key; });
      if (it != vars.end()) it->second = jinja::Value::from_json(value);
      else vars.emplace_back(key, jinja::Value::from_json(value));
    }
  }
  auto out = impl.compiled.render(vars);
  if (!out) return fail(out.error().with_context(fmt::format("rendering the chat template ({})", impl.origin)));
  return out;
}

}  // namespace

std::string_view to_string(BuiltinTemplate kind) noexcept {
  switch (kind) {
    case BuiltinTemplate::kLfm2: return "lfm2";
    case BuiltinTemplate::kLfm25: return "lfm2.5";
    case BuiltinTemplate::kChatMl: return "chatml";
  }
  return "unknown";
}

Expected<ChatTemplate> ChatTemplate::compile(std::string_view source, TemplateTokens tokens) {
  NPU_TRY_ASSIGN(auto impl, make_impl(source, "model", std::move(tokens)));
  return ChatTemplate(std::move(impl));
}

ChatTemplate ChatTemplate::builtin(BuiltinTemplate kind, TemplateTokens tokens) {
  auto impl = make_impl(builtin_template_source(kind), fmt::format("built-in {}", to_string(kind)), std::move(tokens));
  // The built-in sources are part of this build and compile (tests hold them to it).
  if (!impl) std::abort();
  return ChatTemplate(std::move(*impl));
}

BuiltinTemplate ChatTemplate::builtin_for(const ModelIdentity& model) {
  const std::string arch = lower(model.architecture), name = lower(model.name);
  if (arch.starts_with("lfm2") || name.starts_with("lfm2")) {
    return name.find("lfm2.5") != std::string::npos || name.find("lfm2_5") != std::string::npos
               ? BuiltinTemplate::kLfm25
               : BuiltinTemplate::kLfm2;
  }
  return BuiltinTemplate::kChatMl;
}

Expected<ChatTemplate> ChatTemplate::for_model(const ModelIdentity& model, TemplateTokens tokens) {
  if (!model.template_text.empty()) return compile(model.template_text, std::move(tokens));
  return builtin(builtin_for(model), std::move(tokens));
}

Expected<std::string> ChatTemplate::render(std::span<const ChatMessage> messages,
                                           std::span<const std::string> tools_json,
                                           const ChatOptions& options) const {
  std::vector<jinja::Value> list;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("chat message {} has no role; use system, user, assistant or tool", i));
    }
    Json j;
    j["role"] = m.role;
    if (!m.reasoning.empty() && !impl_->reads_reasoning_content) {
      j["content"] = "<think>" + m.reasoning + "</think>" + m.content;
    } else {
      j["content"] = m.content;
      if (!m.reasoning.empty()) j["reasoning_content"] = m.reasoning;
    }
    if (!m.tool_calls.empty()) {
      Json calls = Json::array();
      for (std::size_t c = 0; c < m.tool_calls.size(); ++c) {
        NPU_TRY_ASSIGN(Json args, parse_object(m.tool_calls[c].arguments_json,
                                               fmt::format("arguments of tool call {} ('{}')", c, m.tool_calls[c].name)));
        calls.push_back({{"type", "function"}, {"function", {{"name", m.tool_calls[c].name}, {"arguments", std::move(args)}}}});
      }
      j["tool_calls"] = std::move(calls);
    }
    list.push_back(jinja::Value::from_json(j));
  }
  jinja::Value tools = jinja::Value(jinja::None{});
  if (!tools_json.empty()) {
    std::vector<jinja::Value> items;
    for (std::size_t i = 0; i < tools_json.size(); ++i) {
      auto tool = parse_object(tools_json[i], fmt::format("tool {}", i));
      if (!tool) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("{}; pass each tool as a JSON object such as {{\"name\": ..., \"description\": ..., "
                                "\"parameters\": ...}}", tool.error().message()));
      }
      items.push_back(jinja::Value::from_json(*tool));
    }
    tools = jinja::Value::list(std::move(items));
  }
  return render_values(*impl_, jinja::Value::list(std::move(list)), std::move(tools), options);
}

Expected<std::string> ChatTemplate::render_json(std::string_view messages_json, std::string_view tools_json,
                                                const ChatOptions& options) const {
  const Json messages = Json::parse(messages_json, nullptr, false);
  if (messages.is_discarded() || !messages.is_array()) {
    return fail(ErrorCode::kInvalidArgument, "messages are not a JSON array of message objects");
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (!messages[i].is_object()) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("message {} is not a JSON object", i));
    }
  }
  jinja::Value tools = jinja::Value(jinja::None{});
  if (!tools_json.empty()) {
    const Json t = Json::parse(tools_json, nullptr, false);
    if (t.is_discarded() || !t.is_array()) return fail(ErrorCode::kInvalidArgument, "tools are not a JSON array");
    tools = jinja::Value::from_json(t);
  }
  return render_values(*impl_, jinja::Value::from_json(messages), std::move(tools), options);
}

const std::string& ChatTemplate::source() const noexcept { return impl_->source; }
const std::string& ChatTemplate::origin() const noexcept { return impl_->origin; }
const TemplateTokens& ChatTemplate::tokens() const noexcept { return impl_->tokens; }

}  // namespace npu::genai
