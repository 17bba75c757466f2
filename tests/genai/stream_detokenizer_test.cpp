#include "npu/genai/stream_detokenizer.hpp"

#include <gtest/gtest.h>

#include "test_vocab.hpp"
#include "utf8_check.hpp"

namespace npu::genai {
namespace {

Tokenizer make() {
  auto t = Tokenizer::create(test::make_vocab());
  EXPECT_TRUE(t) << t.error().what();
  return std::move(*t);
}

TEST(StreamDetokenizer, SplitsOnlyAtCharacterBoundaries) {
  const Tokenizer t = make();
  const std::string text = "héllo п 日本 👨‍👩‍👧 🇫🇷 नमस्ते ok";
  const auto ids = t.encode(text, {.add_special = false});
  ASSERT_TRUE(ids);
  StreamDetokenizer detok(t);
  std::string joined;
  int empty_pushes = 0;
  for (TokenId id : *ids) {
    auto piece = detok.push(id);
    ASSERT_TRUE(piece);
    EXPECT_TRUE(test::is_valid_utf8(*piece)) << "piece split a character";
    if (piece->empty()) ++empty_pushes;
    joined += *piece;
  }
  joined += detok.flush();
  EXPECT_EQ(joined, text);
  // Byte tokens of multi-byte characters must have been held back at least once.
  EXPECT_GT(empty_pushes, 5);
}

TEST(StreamDetokenizer, HoldsBackThenReleasesOneCharacter) {
  const Tokenizer t = make();
  StreamDetokenizer detok(t);
  // "€" = E2 82 AC, fed one byte token at a time.
  EXPECT_EQ(*detok.push(test::kByteBase + 0xe2), "");
  EXPECT_TRUE(detok.has_pending());
  EXPECT_EQ(*detok.push(test::kByteBase + 0x82), "");
  EXPECT_EQ(*detok.push(test::kByteBase + 0xac), "€");
  EXPECT_FALSE(detok.has_pending());
}

TEST(StreamDetokenizer, BrokenBytesBecomeReplacementCharacters) {
  const Tokenizer t = make();
  StreamDetokenizer detok(t);
  // A lead byte followed by ASCII can never complete: U+FFFD then the ASCII.
  EXPECT_EQ(*detok.push(test::kByteBase + 0xe2), "");
  EXPECT_EQ(*detok.push(test::kByteBase + 'a'), "\xef\xbf\xbd" "a");
  // A stray continuation byte.
  EXPECT_EQ(*detok.push(test::kByteBase + 0x80), "\xef\xbf\xbd");
  // An incomplete tail at the end is flushed as U+FFFD.
  EXPECT_EQ(*detok.push(test::kByteBase + 0xf0), "");
  EXPECT_EQ(detok.flush(), "\xef\xbf\xbd");
  EXPECT_EQ(detok.flush(), "");
}

TEST(StreamDetokenizer, SpecialTokensHiddenOrShown) {
  const Tokenizer t = make();
  StreamDetokenizer hidden(t);
  EXPECT_EQ(*hidden.push(4), "");  // <|im_end|>
  StreamDetokenizer shown(t, {.skip_special = false});
  EXPECT_EQ(*shown.push(4), "<|im_end|>");
  EXPECT_FALSE(hidden.push(-1));
  EXPECT_FALSE(hidden.push(1 << 20));
}

}  // namespace
}  // namespace npu::genai
