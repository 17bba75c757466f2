// The tool-call parser (runtime/src/genai): the Pythonic (and JSON) calls a model writes between
// <|tool_call_start|> and <|tool_call_end|>. What it accepts must come back from its own JSON.
#include "fuzz_input.hpp"
#include "npu/genai/tool_call_parser.hpp"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using npu::genai::ToolCallParser;
  auto calls = ToolCallParser::parse(npu::fuzz::text(data, size));
  if (!calls) return 0;
  const std::string json = ToolCallParser::to_json(*calls);
  npu::fuzz::require(nlohmann::json::accept(json));
  for (const auto& c : *calls) npu::fuzz::require(nlohmann::json::accept(c.arguments_json));
  // The JSON form is itself accepted (LFM2's JSON tool-call mode) and names the same calls.
  auto again = ToolCallParser::parse(json);
  npu::fuzz::require(again.has_value() && again->size() == calls->size());
  for (std::size_t i = 0; i < calls->size(); ++i) npu::fuzz::require((*again)[i].name == (*calls)[i].name);
  return 0;
}
