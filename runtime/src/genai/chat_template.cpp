#include "npu/genai/chat_template.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "python_json.hpp"

namespace npu::genai {
namespace {

using Json = nlohmann::ordered_json;

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Jinja's `trim` (Python str.strip() on the whitespace a model writes).
std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

Expected<std::string> render_tools(std::span<const std::string> tools) {
  std::string out;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    Json tool = Json::parse(tools[i], nullptr, /*allow_exceptions=*/false);
    if (tool.is_discarded() || !tool.is_object()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("tool {} is not a JSON object; pass each tool as a JSON object such "
                              "as {{\"name\": ..., \"description\": ..., \"parameters\": ...}}", i));
    }
    if (i > 0) out += ", ";
    out += python_json_dumps(tool);
  }
  return out;
}

// One argument value as the LFM2.5 template formats it inside a Pythonic call.
std::string call_argument(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_string()) return "\"" + v.get<std::string>() + "\"";
  if (v.is_object() || v.is_array()) return python_json_dumps(v);
  return python_number(v);
}

Expected<std::string> render_tool_calls(const std::vector<ToolCall>& calls) {
  std::string out = "<|tool_call_start|>[";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const Json args = Json::parse(calls[i].arguments_json, nullptr, false);
    if (args.is_discarded() || !args.is_object()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("arguments of tool call {} ('{}') are not a JSON object", i,
                              calls[i].name));
    }
    if (i > 0) out += ", ";
    out += calls[i].name + "(";
    bool first = true;
    for (const auto& [key, value] : args.items()) {
      if (!first) out += ", ";
      first = false;
      out += key + "=" + call_argument(value);
    }
    out += ")";
  }
  return out + "]<|tool_call_end|>";
}

}  // namespace

std::string_view to_string(ChatTemplateKind kind) noexcept {
  switch (kind) {
    case ChatTemplateKind::kLfm2: return "lfm2";
    case ChatTemplateKind::kLfm25: return "lfm2.5";
    case ChatTemplateKind::kChatMl: return "chatml";
  }
  return "unknown";
}

ChatTemplateKind ChatTemplate::detect(const ModelIdentity& model) {
  const std::string_view t = model.template_text;
  if (contains(t, "<|tool_list_start|>")) return ChatTemplateKind::kLfm2;
  if (contains(t, "List of tools: [") || contains(t, "keep_past_thinking")) {
    return ChatTemplateKind::kLfm25;
  }
  if (!t.empty() && contains(t, "<|im_start|>") && !contains(t, "<|startoftext|>") &&
      !contains(t, "bos_token")) {
    return ChatTemplateKind::kChatMl;
  }
  const std::string arch = lower(model.architecture), name = lower(model.name);
  if (arch.starts_with("lfm2") || name.starts_with("lfm2")) {
    return contains(name, "lfm2.5") || contains(name, "lfm2_5") ? ChatTemplateKind::kLfm25
                                                                 : ChatTemplateKind::kLfm2;
  }
  return ChatTemplateKind::kChatMl;
}

Expected<std::string> ChatTemplate::render(std::span<const ChatMessage> messages,
                                           std::span<const std::string> tools_json,
                                           ChatOptions options) const {
  std::string out = renders_bos() ? bos_text_ : std::string();
  std::size_t first = 0;
  std::string system;
  if (!messages.empty() && messages[0].role == "system") {
    system = messages[0].content;
    first = 1;
  }
  if (!tools_json.empty()) {
    NPU_TRY_ASSIGN(const std::string tools, render_tools(tools_json));
    if (!system.empty()) system += "\n";
    system += kind_ == ChatTemplateKind::kLfm2
                  ? "List of tools: <|tool_list_start|>[" + tools + "]<|tool_list_end|>"
                  : "List of tools: [" + tools + "]";
  }
  if (!system.empty()) out += "<|im_start|>system\n" + system + "<|im_end|>\n";

  std::size_t last_assistant = messages.size();
  for (std::size_t i = first; i < messages.size(); ++i) {
    if (messages[i].role == "assistant") last_assistant = i;
  }
  for (std::size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("chat message {} has no role; use system, user, assistant or tool", i));
    }
    out += "<|im_start|>" + m.role + "\n";
    if (!m.tool_calls.empty()) {
      NPU_TRY_ASSIGN(const std::string calls, render_tool_calls(m.tool_calls));
      out += calls;
    }
    std::string content = m.reasoning.empty() ? m.content
                                              : "<think>" + m.reasoning + "</think>" + m.content;
    if (kind_ == ChatTemplateKind::kLfm25 && m.role == "assistant" && !options.keep_past_thinking &&
        i != last_assistant) {
      if (const std::size_t end = content.rfind("</think>"); end != std::string::npos) {
        content = std::string(trim(std::string_view(content).substr(end + 8)));
      }
    }
    if (kind_ == ChatTemplateKind::kLfm2 && m.role == "tool") {
      content = "<|tool_response_start|>" + content + "<|tool_response_end|>";
    }
    out += content + "<|im_end|>\n";
  }
  if (options.add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace npu::genai
