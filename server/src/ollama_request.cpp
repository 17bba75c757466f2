#include "ollama_request.hpp"

#include <fmt/format.h>

#include "json_fields.hpp"
#include "openai_request.hpp"

namespace npu::server {

namespace {

// Ollama's "options" as the OpenAI field names, then the shared checks.
ApiResult<void> parse_options(const nlohmann::json& obj, GenerationRequest& req) {
  nlohmann::json common = nlohmann::json::object();
  for (const char* key : {"model", "stream"}) {
    if (obj.contains(key)) common[key] = obj[key];
  }
  if (!common.contains("stream")) common["stream"] = true;  // Ollama streams by default
  if (auto it = obj.find("options"); it != obj.end() && !it->is_null()) {
    if (!it->is_object()) return std::unexpected(bad_request("'options' must be an object", "options"));
    const std::pair<const char*, const char*> names[] = {
        {"temperature", "temperature"}, {"top_k", "top_k"}, {"top_p", "top_p"}, {"min_p", "min_p"},
        {"repeat_penalty", "repetition_penalty"}, {"seed", "seed"}, {"stop", "stop"},
        {"presence_penalty", "presence_penalty"}, {"frequency_penalty", "frequency_penalty"}};
    for (const auto& [from, to] : names) {
      if (it->contains(from)) common[to] = (*it)[from];
    }
    // num_predict: -1 = no limit, -2 = until the context is full (both: no limit here).
    auto n = integer_field(*it, "num_predict", -2, 1 << 24);
    if (!n) return std::unexpected(bad_request("'options.num_predict' must be an integer (-1 = no limit)", "options.num_predict"));
    if (*n && **n > 0) common["max_tokens"] = **n;
  }
  auto e = parse_common_fields(common, req);
  if (!e) {
    auto err = e.error();
    if (!err.param.empty() && err.param != "model" && err.param != "stream") err.param = "options." + err.param;
    return std::unexpected(err);
  }
  auto think = obj.find("think");
  if (think != obj.end() && !think->is_null() && !think->is_boolean() && !think->is_string()) {
    return std::unexpected(bad_request("'think' must be true or false", "think"));
  }
  if (think != obj.end() && think->is_boolean()) req.think = think->get<bool>();
  return {};
}

bool think_off(const nlohmann::json& obj) {
  auto it = obj.find("think");
  return it != obj.end() && it->is_boolean() && !it->get<bool>();
}

}  // namespace

std::string strip_ollama_tag(std::string name) {
  if (name.ends_with(":latest")) name.resize(name.size() - 7);
  return name;
}

ApiResult<OllamaRequest> parse_ollama_chat(std::string_view body) {
  auto obj = parse_json_object(body);
  if (!obj) return std::unexpected(obj.error());
  OllamaRequest out;
  out.request.chat = true;
  if (auto e = parse_options(*obj, out.request); !e) return std::unexpected(e.error());
  out.show_thinking = !think_off(*obj);
  // Ollama's messages: content strings, tool_calls with object arguments, "thinking" text. As an
  // OpenAI body they go through the same message checks.
  nlohmann::json as_openai = nlohmann::json::object();
  auto messages = obj->find("messages");
  if (messages == obj->end() || !messages->is_array()) {
    return std::unexpected(bad_request("'messages' must be an array of {\"role\", \"content\"}", "messages"));
  }
  as_openai["messages"] = *messages;
  for (auto& m : as_openai["messages"]) {
    if (!m.is_object()) continue;
    if (auto t = m.find("thinking"); t != m.end()) m["reasoning_content"] = *t;
    if (auto imgs = m.find("images"); imgs != m.end() && imgs->is_array() && !imgs->empty()) {
      return std::unexpected(bad_request("this server's models take text only: remove 'images'", "messages"));
    }
  }
  if (obj->contains("tools")) as_openai["tools"] = (*obj)["tools"];
  if (messages->empty()) {
    // Ollama loads the model on an empty chat; answered by the route.
    out.load_only = true;
    return out;
  }
  auto parsed = parse_chat_request(as_openai.dump());
  if (!parsed) return std::unexpected(parsed.error());
  out.request.messages = std::move(parsed->messages);
  out.request.tools_json = std::move(parsed->tools_json);
  return out;
}

ApiResult<OllamaRequest> parse_ollama_generate(std::string_view body) {
  auto obj = parse_json_object(body);
  if (!obj) return std::unexpected(obj.error());
  OllamaRequest out;
  if (auto e = parse_options(*obj, out.request); !e) return std::unexpected(e.error());
  out.show_thinking = !think_off(*obj);
  auto prompt = string_field(*obj, "prompt");
  if (!prompt) return std::unexpected(prompt.error());
  auto system = string_field(*obj, "system");
  if (!system) return std::unexpected(system.error());
  auto raw = bool_field(*obj, "raw");
  if (!raw) return std::unexpected(raw.error());
  if (obj->contains("images") && (*obj)["images"].is_array() && !(*obj)["images"].empty()) {
    return std::unexpected(bad_request("this server's models take text only: remove 'images'", "images"));
  }
  if (!*prompt || (*prompt)->empty()) {
    out.load_only = true;
    return out;
  }
  if (raw->value_or(false)) {
    out.request.chat = false;  // the prompt as given, no template
    out.request.prompt = **prompt;
    return out;
  }
  // As Ollama does: the prompt (and system) through the model's chat template.
  out.request.chat = true;
  auto add = [&](const char* role, const std::string& content) {
    genai::ChatMessage m;
    m.role = role;
    m.content = content;
    out.request.messages.push_back(std::move(m));
  };
  if (*system && !(*system)->empty()) add("system", **system);
  add("user", **prompt);
  return out;
}

}  // namespace npu::server
