#include "npu/genai/special_tokens.hpp"

#include <algorithm>

namespace npu::genai {

SpecialTokens SpecialTokens::find(const Tokenizer& tokenizer) {
  SpecialTokens s;
  s.bos = tokenizer.bos_id();
  s.eos = tokenizer.eos_id();
  s.pad = tokenizer.pad_id();
  s.end_of_text = tokenizer.token_id("<|endoftext|>");
  s.im_start = tokenizer.token_id("<|im_start|>");
  s.im_end = tokenizer.token_id("<|im_end|>");
  s.think_start = tokenizer.token_id("<think>");
  s.think_end = tokenizer.token_id("</think>");
  s.tool_call_start = tokenizer.token_id("<|tool_call_start|>");
  s.tool_call_end = tokenizer.token_id("<|tool_call_end|>");
  s.tool_list_start = tokenizer.token_id("<|tool_list_start|>");
  s.tool_list_end = tokenizer.token_id("<|tool_list_end|>");
  s.tool_response_start = tokenizer.token_id("<|tool_response_start|>");
  s.tool_response_end = tokenizer.token_id("<|tool_response_end|>");
  return s;
}

std::vector<TokenId> SpecialTokens::end_of_generation() const {
  std::vector<TokenId> ids;
  for (const auto& id : {eos, im_end, end_of_text}) {
    if (id && std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  }
  return ids;
}

}  // namespace npu::genai
