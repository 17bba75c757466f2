// ToolCallParser: LFM2's Pythonic tool calls -> structured calls and JSON.
//   [get_weather(city="Paris", days=2, metric=True), f(x=[1, 2, {"a": None}], s='it\'s')]
// becomes
//   [{"name":"get_weather","arguments":{"city":"Paris","days":2,"metric":true}},
//    {"name":"f","arguments":{"x":[1,2,{"a":null}],"s":"it's"}}]
// Accepted values: single/double-quoted strings with Python escapes (\n \t \' \" \\ \xHH \uXXXX
// \UXXXXXXXX ...), ints (floats when beyond 64 bits), floats with exponents, signs,
// True/False/None (and JSON's true/false/null), lists, tuples (as arrays), dicts, trailing
// commas. The outer brackets may be omitted for a single call. A JSON array of
// {"name": ..., "arguments": {...}} objects (LFM2's JSON tool-call mode) is accepted as well.
// Arguments must be keyword arguments. Anything else gives kInvalidArgument with the offset and
// what was expected; no input can crash it (nesting is limited to 64 levels).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/genai/chat_message.hpp"

namespace npu::genai {

class ToolCallParser {
 public:
  static constexpr int kMaxDepth = 64;

  // `text` is what the model wrote between <|tool_call_start|> and <|tool_call_end|>.
  [[nodiscard]] static Expected<std::vector<ToolCall>> parse(std::string_view text);

  // [{"name": ..., "arguments": {...}}, ...] as compact JSON.
  [[nodiscard]] static std::string to_json(std::span<const ToolCall> calls);
};

}  // namespace npu::genai
