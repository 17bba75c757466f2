#include "openai_response.hpp"

#include <random>

#include <fmt/format.h>

namespace npu::server {

std::string random_id(std::string_view prefix) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}{:016x}{:016x}", prefix, rng(), rng());
}

nlohmann::json usage_json(const TurnOutput& out) {
  return {{"prompt_tokens", out.prompt_tokens},
          {"completion_tokens", out.completion_tokens},
          {"total_tokens", out.prompt_tokens + out.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", out.cached_tokens}}}};
}

nlohmann::json tool_call_json(const genai::ToolCall& call, const std::string& id) {
  return {{"id", id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments_json}}}};
}

nlohmann::json reasoning_delta(std::string_view text) {
  return {{"reasoning", text}, {"reasoning_content", text}};
}

nlohmann::json chat_completion(const CompletionIds& ids, const TurnOutput& out,
                               const std::vector<std::string>& tool_call_ids) {
  nlohmann::json message{{"role", "assistant"}, {"content", out.content}};
  if (out.content.empty() && !out.tool_calls.empty()) message["content"] = nullptr;
  message["reasoning"] = out.reasoning.empty() ? nlohmann::json() : nlohmann::json(out.reasoning);
  message["reasoning_content"] = message["reasoning"];
  nlohmann::json calls = nlohmann::json::array();
  for (std::size_t i = 0; i < out.tool_calls.size(); ++i) calls.push_back(tool_call_json(out.tool_calls[i], tool_call_ids.at(i)));
  message["tool_calls"] = std::move(calls);
  nlohmann::json choice{{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr},
                        {"finish_reason", out.finish_reason}, {"stop_reason", nullptr}};
  return {{"id", ids.id},
          {"object", "chat.completion"},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", nlohmann::json::array({std::move(choice)})},
          {"usage", usage_json(out)}};
}

nlohmann::json text_completion(const CompletionIds& ids, const TurnOutput& out) {
  nlohmann::json choice{{"index", 0}, {"text", out.content}, {"logprobs", nullptr},
                        {"finish_reason", out.finish_reason}, {"stop_reason", nullptr}};
  return {{"id", ids.id},
          {"object", "text_completion"},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", nlohmann::json::array({std::move(choice)})},
          {"usage", usage_json(out)}};
}

nlohmann::json chat_chunk(const CompletionIds& ids, nlohmann::json delta, std::string_view finish_reason) {
  nlohmann::json choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr},
                        {"finish_reason", finish_reason.empty() ? nlohmann::json() : nlohmann::json(finish_reason)}};
  return {{"id", ids.id},
          {"object", "chat.completion.chunk"},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", nlohmann::json::array({std::move(choice)})}};
}

nlohmann::json text_chunk(const CompletionIds& ids, std::string_view text, std::string_view finish_reason) {
  nlohmann::json choice{{"index", 0}, {"text", text}, {"logprobs", nullptr},
                        {"finish_reason", finish_reason.empty() ? nlohmann::json() : nlohmann::json(finish_reason)}};
  return {{"id", ids.id},
          {"object", "text_completion"},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", nlohmann::json::array({std::move(choice)})}};
}

nlohmann::json usage_chunk(const CompletionIds& ids, bool chat, const TurnOutput& out) {
  return {{"id", ids.id},
          {"object", chat ? "chat.completion.chunk" : "text_completion"},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", nlohmann::json::array()},
          {"usage", usage_json(out)}};
}

}  // namespace npu::server
