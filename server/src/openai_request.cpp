#include "openai_request.hpp"

#include <fmt/format.h>

#include "json_fields.hpp"

namespace npu::server {

namespace {

constexpr std::int64_t kMaxTokensLimit = 1 << 24;

// "content": a string, null, or an array of parts ({"type": "text", "text": ...}).
ApiResult<std::string> message_content(const nlohmann::json& message, std::size_t index) {
  const std::string param = fmt::format("messages[{}].content", index);
  auto it = message.find("content");
  if (it == message.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) {
    return std::unexpected(bad_request(
        fmt::format("'{}' must be a string or an array of content parts, got {}", param, json_type_name(*it)), param));
  }
  std::string text;
  for (std::size_t p = 0; p < it->size(); ++p) {
    const auto& part = (*it)[p];
    const std::string part_param = fmt::format("{}[{}]", param, p);
    if (!part.is_object()) {
      return std::unexpected(bad_request(fmt::format("'{}' must be an object like {{\"type\": \"text\", \"text\": \"...\"}}", part_param), part_param));
    }
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string()) {
      return std::unexpected(bad_request(fmt::format("'{}.type' must be a string (\"text\")", part_param), part_param + ".type"));
    }
    if (*type != "text") {
      return std::unexpected(bad_request(
          fmt::format("'{}' is of type '{}': this server's models take text only (\"type\": \"text\")", part_param,
                      type->get<std::string>()),
          part_param + ".type"));
    }
    auto t = string_field(part, "text");
    if (!t) return std::unexpected(bad_request(fmt::format("'{}.text' must be a string", part_param), part_param + ".text"));
    text += t->value_or("");
  }
  return text;
}

// An assistant message's "tool_calls": [{"id", "type": "function", "function": {"name", "arguments"}}],
// arguments as a JSON text (OpenAI) or an object (some clients).
ApiResult<std::vector<genai::ToolCall>> message_tool_calls(const nlohmann::json& message, std::size_t index) {
  std::vector<genai::ToolCall> calls;
  auto it = message.find("tool_calls");
  if (it == message.end() || it->is_null()) return calls;
  const std::string param = fmt::format("messages[{}].tool_calls", index);
  if (!it->is_array()) return std::unexpected(bad_request(fmt::format("'{}' must be an array", param), param));
  for (std::size_t c = 0; c < it->size(); ++c) {
    const auto& call = (*it)[c];
    const std::string call_param = fmt::format("{}[{}].function", param, c);
    const auto fn = call.is_object() ? call.find("function") : call.end();
    if (!call.is_object() || fn == call.end() || !fn->is_object()) {
      return std::unexpected(bad_request(fmt::format("'{}' must be an object with \"name\" and \"arguments\"", call_param), call_param));
    }
    genai::ToolCall out;
    auto name = fn->find("name");
    if (name == fn->end() || !name->is_string() || name->get<std::string>().empty()) {
      return std::unexpected(bad_request(fmt::format("'{}.name' must be a non-empty string", call_param), call_param + ".name"));
    }
    out.name = name->get<std::string>();
    auto args = fn->find("arguments");
    nlohmann::json parsed = nlohmann::json::object();
    if (args != fn->end() && args->is_string()) {
      parsed = nlohmann::json::parse(args->get<std::string>(), nullptr, false);
    } else if (args != fn->end() && !args->is_null()) {
      parsed = *args;
    }
    if (!parsed.is_object()) {
      return std::unexpected(bad_request(
          fmt::format("'{}.arguments' must be a JSON object (or its text), e.g. \"{{\\\"city\\\": \\\"Paris\\\"}}\"", call_param),
          call_param + ".arguments"));
    }
    out.arguments_json = parsed.dump();
    calls.push_back(std::move(out));
  }
  return calls;
}

ApiResult<std::vector<genai::ChatMessage>> parse_messages(const nlohmann::json& obj) {
  auto it = obj.find("messages");
  if (it == obj.end()) return std::unexpected(bad_request("'messages' is required: a list of {\"role\", \"content\"}", "messages"));
  if (!it->is_array() || it->empty()) {
    return std::unexpected(bad_request("'messages' must be a non-empty array of {\"role\", \"content\"}", "messages"));
  }
  std::vector<genai::ChatMessage> messages;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& m = (*it)[i];
    const std::string param = fmt::format("messages[{}]", i);
    if (!m.is_object()) return std::unexpected(bad_request(fmt::format("'{}' must be an object, got {}", param, json_type_name(m)), param));
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) {
      return std::unexpected(bad_request(fmt::format("'{}.role' must be a string (system, user, assistant, tool)", param), param + ".role"));
    }
    genai::ChatMessage msg;
    msg.role = role->get<std::string>();
    if (msg.role != "system" && msg.role != "user" && msg.role != "assistant" && msg.role != "tool" &&
        msg.role != "developer") {
      return std::unexpected(bad_request(
          fmt::format("'{}.role' is '{}': use system, developer, user, assistant or tool", param, msg.role), param + ".role"));
    }
    if (msg.role == "developer") msg.role = "system";
    auto content = message_content(m, i);
    if (!content) return std::unexpected(content.error());
    msg.content = std::move(*content);
    for (const char* key : {"reasoning_content", "reasoning"}) {
      auto r = string_field(m, key);
      if (!r) return std::unexpected(bad_request(fmt::format("'{}.{}' must be a string", param, key), param + "." + key));
      if (*r && msg.reasoning.empty()) msg.reasoning = **r;
    }
    auto calls = message_tool_calls(m, i);
    if (!calls) return std::unexpected(calls.error());
    msg.tool_calls = std::move(*calls);
    messages.push_back(std::move(msg));
  }
  return messages;
}

// "tool_choice": "auto" (the model decides), "none" (no tools), "required" (tool calls only), or
// {"type": "function", "function": {"name": N}} (a call of N only).
ApiResult<void> parse_tool_choice(const nlohmann::json& obj, GenerationRequest& req, bool& none) {
  auto choice = obj.find("tool_choice");
  if (choice == obj.end() || choice->is_null() || *choice == "auto") return {};
  const char* what =
      "'tool_choice' must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}";
  if (choice->is_string()) {
    if (*choice == "none") none = true;
    else if (*choice == "required") req.tool_call_required = true;
    else return std::unexpected(bad_request(what, "tool_choice"));
    return {};
  }
  const auto fn = choice->is_object() ? choice->find("function") : choice->end();
  const auto type = choice->is_object() ? choice->find("type") : choice->end();
  if (!choice->is_object() || fn == choice->end() || !fn->is_object() ||
      (type != choice->end() && *type != "function")) {
    return std::unexpected(bad_request(what, "tool_choice"));
  }
  auto name = fn->find("name");
  if (name == fn->end() || !name->is_string() || name->get<std::string>().empty()) {
    return std::unexpected(bad_request("'tool_choice.function.name' must be the name of one of 'tools'", "tool_choice.function.name"));
  }
  req.tool_call_required = true;
  req.forced_tool = name->get<std::string>();
  return {};
}

// "tools": [{"type": "function", "function": {"name", "description", "parameters"}}] -> the
// function objects' JSON texts, filtered by "tool_choice".
ApiResult<void> parse_tools(const nlohmann::json& obj, GenerationRequest& req) {
  bool none = false;
  if (auto e = parse_tool_choice(obj, req, none); !e) return e;
  auto it = obj.find("tools");
  if (it != obj.end() && !it->is_null()) {
    if (!it->is_array()) return std::unexpected(bad_request("'tools' must be an array of {\"type\": \"function\", \"function\": {...}}", "tools"));
    for (std::size_t t = 0; t < it->size(); ++t) {
      const auto& tool = (*it)[t];
      const std::string param = fmt::format("tools[{}]", t);
      const auto fn = tool.is_object() ? tool.find("function") : tool.end();
      if (!tool.is_object() || fn == tool.end() || !fn->is_object()) {
        return std::unexpected(bad_request(fmt::format("'{}' must be {{\"type\": \"function\", \"function\": {{\"name\": ...}}}}", param), param));
      }
      auto type = tool.find("type");
      if (type != tool.end() && (!type->is_string() || *type != "function")) {
        return std::unexpected(bad_request(fmt::format("'{}.type' must be \"function\"", param), param + ".type"));
      }
      auto name = fn->find("name");
      if (name == fn->end() || !name->is_string() || name->get<std::string>().empty()) {
        return std::unexpected(bad_request(fmt::format("'{}.function.name' must be a non-empty string", param), param + ".function.name"));
      }
      // A named tool_choice shows the model that function only.
      if (!req.forced_tool || *req.forced_tool == name->get<std::string>()) req.tools_json.push_back(fn->dump());
    }
  }
  if (none) req.tools_json.clear();
  if (req.tool_call_required && req.tools_json.empty()) {
    return std::unexpected(bad_request(
        req.forced_tool ? fmt::format("'tool_choice' names the function '{}', which is not in 'tools'", *req.forced_tool)
                        : std::string("'tool_choice' is \"required\" but the request has no 'tools'"),
        req.forced_tool ? "tool_choice.function.name" : "tools"));
  }
  return {};
}

ApiResult<void> parse_stop(const nlohmann::json& obj, GenerationRequest& req) {
  auto it = obj.find("stop");
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) {
    if (!it->get<std::string>().empty()) req.stop.push_back(it->get<std::string>());
    return {};
  }
  if (!it->is_array()) return std::unexpected(bad_request("'stop' must be a string or an array of strings", "stop"));
  for (const auto& s : *it) {
    if (!s.is_string()) return std::unexpected(bad_request("'stop' must be a string or an array of strings", "stop"));
    if (!s.get<std::string>().empty()) req.stop.push_back(s.get<std::string>());
  }
  return {};
}

}  // namespace

ApiResult<void> parse_common_fields(const nlohmann::json& obj, GenerationRequest& req) {
  auto model = string_field(obj, "model");
  if (!model) return std::unexpected(model.error());
  req.model = model->value_or("");
  auto stream = bool_field(obj, "stream");
  if (!stream) return std::unexpected(stream.error());
  req.stream = stream->value_or(false);
  if (auto so = obj.find("stream_options"); so != obj.end() && !so->is_null()) {
    if (!so->is_object()) return std::unexpected(bad_request("'stream_options' must be an object", "stream_options"));
    auto usage = bool_field(*so, "include_usage");
    if (!usage) return std::unexpected(bad_request("'stream_options.include_usage' must be true or false", "stream_options.include_usage"));
    req.include_usage = usage->value_or(false);
  }
  auto& s = req.sampling;
  struct FloatField {
    const char* key;
    double lo, hi;
    std::optional<float>* out;
  };
  for (const FloatField& f : {FloatField{"temperature", 0.0, 100.0, &s.temperature}, FloatField{"top_p", 0.0, 1.0, &s.top_p},
                              FloatField{"min_p", 0.0, 1.0, &s.min_p},
                              FloatField{"repetition_penalty", 0.01, 100.0, &s.repetition_penalty}}) {
    auto v = number_field(obj, f.key, f.lo, f.hi);
    if (!v) return std::unexpected(v.error());
    if (*v) *f.out = static_cast<float>(**v);
  }
  if (s.top_p && *s.top_p <= 0.0f) return std::unexpected(bad_request("'top_p' must be greater than 0 (1 = off)", "top_p"));
  // top_k: -1 (vLLM) and 0 both mean off.
  auto top_k = integer_field(obj, "top_k", -1, 1 << 20);
  if (!top_k) return std::unexpected(top_k.error());
  if (*top_k) s.top_k = static_cast<std::uint32_t>(std::max<std::int64_t>(**top_k, 0));
  auto seed = integer_field(obj, "seed", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  if (!seed) return std::unexpected(seed.error());
  if (*seed) s.seed = static_cast<std::uint64_t>(**seed);
  // OpenAI's penalties on the counts of the tokens generated so far.
  for (const FloatField& f : {FloatField{"presence_penalty", -2.0, 2.0, &s.presence_penalty},
                              FloatField{"frequency_penalty", -2.0, 2.0, &s.frequency_penalty}}) {
    auto v = number_field(obj, f.key, f.lo, f.hi);
    if (!v) return std::unexpected(v.error());
    if (*v) *f.out = static_cast<float>(**v);
  }
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    auto v = integer_field(obj, key, 1, kMaxTokensLimit);
    if (!v) return std::unexpected(v.error());
    if (*v && !req.max_tokens) req.max_tokens = static_cast<std::uint32_t>(**v);
  }
  auto n = integer_field(obj, "n", 1, 1 << 20);
  if (!n) return std::unexpected(n.error());
  if (*n && **n != 1) return std::unexpected(bad_request("'n' must be 1: this server returns one choice per request", "n"));
  for (const char* key : {"logprobs", "echo"}) {
    auto it = obj.find(key);
    if (it != obj.end() && !it->is_null() && *it != false && *it != 0) {
      return std::unexpected(bad_request(fmt::format("'{}' is not supported by this server", key), key));
    }
  }
  auto ignore_eos = bool_field(obj, "ignore_eos");
  if (!ignore_eos) return std::unexpected(ignore_eos.error());
  req.ignore_eos = ignore_eos->value_or(false);
  if (auto e = parse_stop(obj, req); !e) return e;
  return {};
}

ApiResult<GenerationRequest> parse_chat_request(std::string_view body) {
  auto obj = parse_json_object(body);
  if (!obj) return std::unexpected(obj.error());
  GenerationRequest req;
  req.chat = true;
  if (auto e = parse_common_fields(*obj, req); !e) return std::unexpected(e.error());
  auto messages = parse_messages(*obj);
  if (!messages) return std::unexpected(messages.error());
  req.messages = std::move(*messages);
  if (auto e = parse_tools(*obj, req); !e) return std::unexpected(e.error());
  if (auto k = obj->find("chat_template_kwargs"); k != obj->end() && !k->is_null()) {
    if (!k->is_object()) return std::unexpected(bad_request("'chat_template_kwargs' must be an object, e.g. {\"enable_thinking\": false}", "chat_template_kwargs"));
    req.chat_template_kwargs = *k;
  }
  return req;
}

ApiResult<GenerationRequest> parse_completion_request(std::string_view body) {
  auto obj = parse_json_object(body);
  if (!obj) return std::unexpected(obj.error());
  GenerationRequest req;
  req.chat = false;
  if (auto e = parse_common_fields(*obj, req); !e) return std::unexpected(e.error());
  auto it = obj->find("prompt");
  const char* what = "'prompt' must be a string, an array of one string, or an array of token ids";
  if (it == obj->end() || it->is_null()) return std::unexpected(bad_request("'prompt' is required", "prompt"));
  nlohmann::json prompt = *it;
  if (prompt.is_array() && prompt.size() == 1 && (prompt[0].is_string() || prompt[0].is_array())) prompt = prompt[0];
  if (prompt.is_string()) {
    req.prompt = prompt.get<std::string>();
    if (req.prompt.empty()) return std::unexpected(bad_request("'prompt' is empty", "prompt"));
  } else if (prompt.is_array() && !prompt.empty()) {
    for (const auto& t : prompt) {
      if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max()) {
        return std::unexpected(bad_request(what, "prompt"));
      }
      req.prompt_tokens.push_back(static_cast<genai::TokenId>(t.get<std::int64_t>()));
    }
  } else {
    return std::unexpected(bad_request(prompt.is_array() && prompt.size() > 1 && prompt[0].is_string()
                                           ? "'prompt' holds several prompts: send one per request (n=1)"
                                           : what,
                                       "prompt"));
  }
  return req;
}

}  // namespace npu::server
