// Randomized checks: any valid UTF-8 text round-trips through encode/decode under every
// pre-tokenizer; random bytes never crash encode (invalid UTF-8 is a clean error); any token
// sequence streamed through the detokenizer yields valid UTF-8 pieces.
#include <gtest/gtest.h>

#include <random>

#include "npu/genai/stream_detokenizer.hpp"
#include "npu/genai/tokenizer.hpp"
#include "test_vocab.hpp"
#include "utf8_check.hpp"

namespace npu::genai {
namespace {

void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Random text mixing ASCII, whitespace, Latin-1, Cyrillic, CJK, Devanagari, emoji, ZWJ and
// specials, so pieces and special tokens land everywhere.
std::string random_text(std::mt19937& rng) {
  static const std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges = {
      {0x20, 0x7e}, {0x09, 0x0d}, {0xa0, 0xff}, {0x400, 0x44f}, {0x4e00, 0x4e80},
      {0x900, 0x97f}, {0x1f300, 0x1f64f}, {0x200b, 0x200d}, {0x30, 0x39}, {0x10000, 0x10ffff}};
  std::string s;
  const int n = static_cast<int>(rng() % 40);
  for (int i = 0; i < n; ++i) {
    if (rng() % 25 == 0) {
      s += (rng() % 2) ? "<|im_start|>" : "</think>";
      continue;
    }
    const auto& [lo, hi] = ranges[rng() % ranges.size()];
    std::uint32_t cp = lo + rng() % (hi - lo + 1);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 'x';
    append_utf8(s, cp);
  }
  return s;
}

TEST(TokenizerFuzz, RandomUtf8RoundTrips) {
  std::mt19937 rng(99);
  for (const std::string pre : {"lfm2", "qwen2", "gpt2"}) {
    auto t = Tokenizer::create(test::make_vocab(pre));
    ASSERT_TRUE(t);
    for (int i = 0; i < 400; ++i) {
      const std::string text = random_text(rng);
      auto ids = t->encode(text, {.add_special = false});
      ASSERT_TRUE(ids) << ids.error().what();
      auto back = t->decode(*ids, {.skip_special = false});
      ASSERT_TRUE(back);
      ASSERT_EQ(*back, text) << pre;
    }
  }
}

TEST(TokenizerFuzz, RandomBytesNeverCrash) {
  std::mt19937 rng(5);
  auto t = Tokenizer::create(test::make_vocab());
  ASSERT_TRUE(t);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 24, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    auto ids = t->encode(bytes);
    if (!ids) {
      ++refused;
      EXPECT_EQ(ids.error().code(), ErrorCode::kInvalidArgument);
    } else {
      EXPECT_TRUE(test::is_valid_utf8(bytes));
    }
  }
  EXPECT_GT(refused, 1000);
}

TEST(TokenizerFuzz, StreamedPiecesAreAlwaysValidUtf8) {
  std::mt19937 rng(11);
  auto t = Tokenizer::create(test::make_vocab());
  ASSERT_TRUE(t);
  for (int i = 0; i < 500; ++i) {
    StreamDetokenizer detok(*t);
    std::string all;
    const int n = static_cast<int>(rng() % 30);
    for (int k = 0; k < n; ++k) {
      // Mostly byte tokens (which break characters apart), sometimes merges or specials.
      const TokenId id = static_cast<TokenId>(rng() % 3 == 0 ? rng() % t->vocab_size()
                                                             : test::kByteBase + rng() % 256);
      auto piece = detok.push(id);
      ASSERT_TRUE(piece);
      ASSERT_TRUE(test::is_valid_utf8(*piece));
      all += *piece;
    }
    const std::string tail = detok.flush();
    ASSERT_TRUE(test::is_valid_utf8(tail));
    EXPECT_TRUE(test::is_valid_utf8(all + tail));
  }
}

}  // namespace
}  // namespace npu::genai
