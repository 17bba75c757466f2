// A vocabulary of LFM2's size (65536 tokens, ~65000 merges): building the tokenizer and encoding
// a long prompt must stay well inside the time a model load / a prefill takes.
#include <gtest/gtest.h>

#include <chrono>

#include "npu/genai/tokenizer.hpp"
#include "test_vocab.hpp"

namespace npu::genai {
namespace {

TokenizerData big_vocab() {
  TokenizerData d = test::make_vocab("lfm2", {});
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<std::string> frontier;
  for (char c : alphabet) frontier.emplace_back(1, c);
  while (d.tokens.size() < 65536) {
    std::vector<std::string> grown;
    for (const std::string& left : frontier) {
      for (char c : alphabet) {
        if (d.tokens.size() >= 65536) break;
        d.merges.push_back(left + " " + std::string(1, c));
        d.tokens.push_back(left + c);
        d.token_types.push_back(TokenType::kNormal);
        grown.push_back(left + c);
      }
    }
    frontier = std::move(grown);
  }
  return d;
}

TEST(TokenizerScale, FullSizeVocabularyIsFast) {
  const TokenizerData data = big_vocab();
  ASSERT_EQ(data.tokens.size(), 65536u);
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto t = Tokenizer::create(data);
  const auto create_time = Clock::now() - start;
  ASSERT_TRUE(t) << t.error().what();
  EXPECT_LT(create_time, std::chrono::seconds(2));

  std::string text;
  while (text.size() < 40000) text += "Lorem ipsum dolor sit amet, consectetur 12345 adipiscing elit. ";
  start = Clock::now();
  auto ids = t->encode(text);
  const auto encode_time = Clock::now() - start;
  ASSERT_TRUE(ids);
  EXPECT_LT(encode_time, std::chrono::milliseconds(500));
  EXPECT_LT(ids->size(), text.size() * 2 / 3);  // merges actually apply
  EXPECT_EQ(*t->decode(*ids), text);
  std::printf("create %.1f ms, encode %zu bytes -> %zu tokens in %.1f ms\n",
              std::chrono::duration<double, std::milli>(create_time).count(), text.size(),
              ids->size(), std::chrono::duration<double, std::milli>(encode_time).count());
}

}  // namespace
}  // namespace npu::genai
