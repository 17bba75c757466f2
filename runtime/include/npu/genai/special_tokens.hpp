// SpecialTokens: the ids of the chat/thinking/tool markers of a vocabulary, looked up by their
// text in the vocabulary (never assumed from a model family). A marker the vocabulary lacks stays
// empty, and the features that need it (thinking, tool calls) are then simply off.
#pragma once

#include <optional>
#include <vector>

#include "npu/genai/tokenizer.hpp"

namespace npu::genai {

struct SpecialTokens {
  std::optional<TokenId> bos, eos, pad;
  std::optional<TokenId> end_of_text;                      // <|endoftext|>
  std::optional<TokenId> im_start, im_end;                 // <|im_start|>, <|im_end|>
  std::optional<TokenId> think_start, think_end;           // <think>, </think>
  std::optional<TokenId> tool_call_start, tool_call_end;   // <|tool_call_start|>, ..._end|>
  std::optional<TokenId> tool_list_start, tool_list_end;   // <|tool_list_start|>, ..._end|>
  std::optional<TokenId> tool_response_start, tool_response_end;

  [[nodiscard]] static SpecialTokens find(const Tokenizer& tokenizer);

  // Tokens that end a generation turn: EOS, <|im_end|>, <|endoftext|> (those present, no
  // duplicates).
  [[nodiscard]] std::vector<TokenId> end_of_generation() const;
};

}  // namespace npu::genai
