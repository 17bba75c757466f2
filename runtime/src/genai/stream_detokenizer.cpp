#include "npu/genai/stream_detokenizer.hpp"

#include <fmt/format.h>

#include "utf8.hpp"

namespace npu::genai {

Expected<std::string> StreamDetokenizer::push(TokenId id) {
  if (!tokenizer_->valid(id)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("token id {} is outside the vocabulary of {} tokens", id,
                            tokenizer_->vocab_size()));
  }
  if (options_.skip_special && tokenizer_->is_hidden(id)) return std::string();
  pending_ += tokenizer_->token_bytes(id);
  const std::size_t keep = utf8::incomplete_tail(pending_);
  std::string out = utf8::sanitize(std::string_view(pending_).substr(0, pending_.size() - keep));
  pending_.erase(0, pending_.size() - keep);
  return out;
}

std::string StreamDetokenizer::flush() {
  std::string out = utf8::sanitize(pending_);
  pending_.clear();
  return out;
}

}  // namespace npu::genai
