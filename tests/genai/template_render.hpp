// Renders a chat template the way the tests describe a case: one JSON context object holding the
// variables Hugging Face passes (messages, tools, add_generation_prompt, bos_token, eos_token) and
// any extra ones, split onto ChatTemplate's parameters.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "npu/genai/chat_template.hpp"

namespace npu::genai::testing {

inline Expected<std::string> render_context(const std::string& source, const nlohmann::ordered_json& context) {
  TemplateTokens tokens;
  ChatOptions options;
  options.add_generation_prompt = false;
  std::string messages = "[]", tools;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  for (const auto& [key, value] : context.items()) {
    if (key == "messages") messages = value.dump();
    else if (key == "tools") tools = value.is_null() ? std::string() : value.dump();
    else if (key == "add_generation_prompt") options.add_generation_prompt = value.get<bool>();
    else if (key == "bos_token") tokens.bos = value.get<std::string>();
    else if (key == "eos_token") tokens.eos = value.get<std::string>();
    else if (key != "documents") extra[key] = value;
  }
  if (!extra.empty()) options.template_kwargs_json = extra.dump();
  NPU_TRY_ASSIGN(auto t, ChatTemplate::compile(source, tokens));
  return t.render_json(messages, tools, options);
}

}  // namespace npu::genai::testing
