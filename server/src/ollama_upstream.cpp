#include "ollama_upstream.hpp"

#include <fmt/format.h>

namespace npu::server {

nlohmann::json openai_body(const GenerationRequest& r) {
  nlohmann::json b{{"model", r.model}, {"stream", r.stream}};
  if (r.stream) b["stream_options"] = {{"include_usage", true}};
  const auto& s = r.sampling;
  if (s.temperature) b["temperature"] = *s.temperature;
  if (s.top_p) b["top_p"] = *s.top_p;
  if (s.top_k) b["top_k"] = *s.top_k;
  if (s.min_p) b["min_p"] = *s.min_p;
  if (s.repetition_penalty) b["repetition_penalty"] = *s.repetition_penalty;
  if (s.seed) b["seed"] = *s.seed;
  if (s.presence_penalty) b["presence_penalty"] = *s.presence_penalty;
  if (s.frequency_penalty) b["frequency_penalty"] = *s.frequency_penalty;
  if (r.max_tokens) b["max_tokens"] = *r.max_tokens;
  if (!r.stop.empty()) b["stop"] = r.stop;
  if (r.ignore_eos) b["ignore_eos"] = true;
  if (!r.chat) {
    if (!r.prompt_tokens.empty()) b["prompt"] = r.prompt_tokens;
    else b["prompt"] = r.prompt;
    return b;
  }
  nlohmann::json messages = nlohmann::json::array();
  std::size_t call_no = 0;
  for (const auto& m : r.messages) {
    nlohmann::json j{{"role", m.role}, {"content", m.content}};
    if (!m.reasoning.empty()) j["reasoning_content"] = m.reasoning;
    for (const auto& c : m.tool_calls) {
      j["tool_calls"].push_back({{"id", fmt::format("call_{}", call_no++)},
                                 {"type", "function"},
                                 {"function", {{"name", c.name}, {"arguments", c.arguments_json}}}});
    }
    messages.push_back(std::move(j));
  }
  b["messages"] = std::move(messages);
  for (const auto& t : r.tools_json) {
    b["tools"].push_back({{"type", "function"}, {"function", nlohmann::json::parse(t, nullptr, false)}});
  }
  if (r.tool_call_required) {
    b["tool_choice"] = r.forced_tool ? nlohmann::json{{"type", "function"}, {"function", {{"name", *r.forced_tool}}}}
                                     : nlohmann::json("required");
  }
  if (!r.chat_template_kwargs.empty()) b["chat_template_kwargs"] = r.chat_template_kwargs;
  return b;
}

void OllamaFromOpenAi::send(unsigned status, std::string_view, std::string body, const HeaderList& extra) {
  answered_ = true;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (status >= 400) {
    // OpenAI's {"error": {"message": ...}} (or whatever the upstream said) as Ollama's {"error": "..."}.
    std::string message = body;
    if (j.is_object() && j.contains("error")) {
      const auto& e = j["error"];
      message = e.is_object() && e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>()
                : e.is_string()                                                   ? e.get<std::string>()
                                                                                  : e.dump();
    }
    return ollama_error(client_, ApiError{status, message, {}, {}, {}}, extra);
  }
  sink_.emplace(client_, model_, chat_, stream_, thinking_, extra);
  if (!j.is_object()) {
    out_.error = ApiError{502, "the upstream server's answer is not JSON", {}, "upstream_failed", {}};
  } else {
    (void)take(j, true);
  }
  end();
}

bool OllamaFromOpenAi::start_stream(std::string_view, const HeaderList& extra) {
  answered_ = true;
  sink_.emplace(client_, model_, chat_, stream_, thinking_, extra);
  return client_.alive();
}

bool OllamaFromOpenAi::write(std::string_view data) {
  pending_ += data;
  bool ok = true;
  std::size_t end;
  while (ok && (end = pending_.find("\n\n")) != std::string::npos) {
    const std::string block = pending_.substr(0, end);
    pending_.erase(0, end + 2);
    std::size_t at = 0;
    while (ok && at < block.size()) {
      std::size_t nl = block.find('\n', at);
      if (nl == std::string::npos) nl = block.size();
      std::string_view line(block.data() + at, nl - at);
      at = nl + 1;
      if (!line.starts_with("data:")) continue;  // comments (keep-alives), other fields
      line.remove_prefix(5);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (line == "[DONE]") continue;
      auto chunk = nlohmann::json::parse(line, nullptr, false);
      if (chunk.is_object()) ok = take(chunk, false);
    }
  }
  return ok;
}

void OllamaFromOpenAi::end_stream() { end(); }

bool OllamaFromOpenAi::take(const nlohmann::json& chunk, bool whole) {
  if (auto e = chunk.find("error"); e != chunk.end() && !e->is_null()) {
    const std::string message = e->is_object() && e->contains("message") ? e->value("message", std::string()) : e->dump();
    out_.error = ApiError{502, "the upstream server failed: " + message, {}, "upstream_failed", {}};
    return true;
  }
  if (auto u = chunk.find("usage"); u != chunk.end() && u->is_object()) {
    out_.prompt_tokens = u->value("prompt_tokens", 0u);
    out_.completion_tokens = u->value("completion_tokens", 0u);
  }
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) return true;
  const auto& choice = (*choices)[0];
  if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string()) out_.finish_reason = f->get<std::string>();
  bool ok = true;
  auto text_of = [](const nlohmann::json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!upstream_chat_) {
    const std::string text = text_of(choice, "text");
    out_.content += text;
    return text.empty() || sink_->content(text);
  }
  const auto part = choice.find(whole ? "message" : "delta");
  if (part == choice.end() || !part->is_object()) return true;
  std::string reasoning = text_of(*part, "reasoning_content");
  if (reasoning.empty()) reasoning = text_of(*part, "reasoning");
  if (!reasoning.empty()) {
    out_.reasoning += reasoning;
    ok = sink_->reasoning(reasoning);
  }
  const std::string content = text_of(*part, "content");
  if (ok && !content.empty()) {
    out_.content += content;
    ok = sink_->content(content);
  }
  if (auto calls = part->find("tool_calls"); calls != part->end() && calls->is_array()) {
    for (std::size_t i = 0; i < calls->size(); ++i) {
      const auto& c = (*calls)[i];
      if (!c.is_object()) continue;
      const std::size_t index = whole ? i : c.value("index", std::size_t{0});
      if (index > 1024) continue;
      if (calls_.size() <= index) calls_.resize(index + 1);
      if (auto fn = c.find("function"); fn != c.end() && fn->is_object()) {
        calls_[index].name += text_of(*fn, "name");
        calls_[index].arguments += text_of(*fn, "arguments");
      }
    }
  }
  return ok;
}

void OllamaFromOpenAi::end() {
  if (!sink_) return;
  for (const auto& c : calls_) {
    if (c.name.empty()) continue;
    auto args = nlohmann::json::parse(c.arguments.empty() ? std::string("{}") : c.arguments, nullptr, false);
    genai::ToolCall call{c.name, args.is_object() ? args.dump() : std::string("{}")};
    out_.tool_calls.push_back(call);
    if (!sink_->tool_call(call, out_.tool_calls.size() - 1)) break;
  }
  calls_.clear();
  if (out_.finish_reason.empty()) out_.finish_reason = "stop";
  out_.e2e = std::chrono::steady_clock::now() - started_;
  sink_->finish(out_);
  sink_.reset();
}

}  // namespace npu::server
