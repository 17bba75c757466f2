// GenerationRequest: what a chat or text completion asks of a model, whichever API it came in
// through (OpenAI's /v1/chat/completions and /v1/completions, Ollama's /api/chat and
// /api/generate). The parsers (openai_request.hpp, ollama_request.hpp) fill it from JSON; the
// generation runner turns it into genai::GeneratorParams.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/genai/chat_message.hpp"
#include "npu/genai/llm_generator.hpp"

namespace npu::server {

struct SamplingFields {
  std::optional<float> temperature, top_p, min_p, repetition_penalty, presence_penalty, frequency_penalty;
  std::optional<std::uint32_t> top_k;
  std::optional<std::uint64_t> seed;
};

struct GenerationRequest {
  std::string model;
  bool chat = true;           // messages (chat template) or a raw prompt
  bool stream = false;
  bool include_usage = false; // stream_options.include_usage
  SamplingFields sampling;
  std::optional<std::uint32_t> max_tokens;
  std::vector<std::string> stop;
  bool ignore_eos = false;    // generate past the model's end-of-turn tokens (benchmarks)
  // Chat.
  std::vector<genai::ChatMessage> messages;
  std::vector<std::string> tools_json;      // one JSON object per tool, as the template takes them
  // tool_choice "required" or a named function: the answer must be tool calls. The prompt ends
  // with the model's tool-call opening, so the model writes the call; `forced_tool` (when set)
  // is the only tool the template sees and the only name the calls may have.
  bool tool_call_required = false;
  std::optional<std::string> forced_tool;
  nlohmann::json chat_template_kwargs = nlohmann::json::object();  // extra template variables
  // Ollama's `think`: as Ollama does for thinking models, it switches the template's thinking on
  // or off (the template variable enable_thinking, unless chat_template_kwargs sets it).
  std::optional<bool> think;
  // Completion: text, or token ids when the client sent ids.
  std::string prompt;
  std::vector<genai::TokenId> prompt_tokens;
};

}  // namespace npu::server
