// Parsing the bodies of Ollama's /api/chat and /api/generate into a GenerationRequest (pure
// functions of the body text). Ollama streams unless "stream": false; sampling comes in
// "options" (temperature, top_k, top_p, min_p, repeat_penalty, seed, num_predict, stop).
#pragma once

#include <string_view>

#include "api_error.hpp"
#include "generation_request.hpp"

namespace npu::server {

struct OllamaRequest {
  GenerationRequest request;
  bool show_thinking = true;  // "think": false hides the reasoning
  bool load_only = false;     // /api/generate without a prompt: load the model, answer done
};

[[nodiscard]] ApiResult<OllamaRequest> parse_ollama_chat(std::string_view body);
[[nodiscard]] ApiResult<OllamaRequest> parse_ollama_generate(std::string_view body);

// Ollama model names carry a tag ("lfm25:latest"); the served name has none.
[[nodiscard]] std::string strip_ollama_tag(std::string name);

}  // namespace npu::server
