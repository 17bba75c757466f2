// PreTokenizer: splits text into the pieces that byte-level BPE then encodes one by one, with the
// same regular expressions llama.cpp uses for a GGUF's `tokenizer.ggml.pre`:
//   "lfm2", "llama3", "llama-v3", "llama-bpe"  -> the LLaMA-3 split (digits in runs of 1..3)
//   "qwen2"                                     -> the LLaMA-3 split with single digits
//   "gpt2"                                      -> the original GPT-2 split
// The expression runs under PCRE2 with UTF and Unicode properties (JIT-compiled when the library
// supports it). Text between matches, if any, becomes a piece of its own, so the pieces always
// concatenate back to the input. Thread-safe: split() may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::genai {

class PreTokenizer {
 public:
  // kUnsupported for a name this build does not know (the message lists the known ones).
  [[nodiscard]] static Expected<PreTokenizer> create(std::string_view name);

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;
  ~PreTokenizer();

  // `text` must be valid UTF-8 (kInvalidArgument otherwise, naming the byte offset).
  [[nodiscard]] Expected<std::vector<std::string_view>> split(std::string_view text) const;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  // Whether llama.cpp emits a piece that is itself a vocabulary token without running merges
  // (true for the LLaMA-3 family).
  [[nodiscard]] bool ignore_merges() const noexcept { return ignore_merges_; }
  [[nodiscard]] static std::vector<std::string_view> known_names();

 private:
  struct Regex;
  PreTokenizer(std::string name, std::unique_ptr<Regex> regex, bool ignore_merges);

  std::string name_;
  std::unique_ptr<Regex> regex_;
  bool ignore_merges_ = false;
};

}  // namespace npu::genai
