#include "npu/common/tokenizer_data.hpp"

#include <gtest/gtest.h>

#include <random>

#include "test_vocab.hpp"

namespace npu {
namespace {

TEST(TokenizerData, RoundTripsThroughBytes) {
  TokenizerData d = genai::test::make_vocab();
  d.chat_template = "{{ bos_token }}{% for m in messages %}...{% endfor %}";
  d.unk_id = 2;
  d.add_eos = true;
  const std::vector<std::byte> bytes = d.serialize();
  auto parsed = TokenizerData::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(*parsed, d);
}

TEST(TokenizerData, NamedChatTemplatesRoundTripInVersion2) {
  TokenizerData d = genai::test::make_vocab();
  d.chat_template = "default";
  const std::vector<std::byte> v1 = d.serialize();
  EXPECT_EQ(v1[8], std::byte{1});  // no named templates: still readable by version-1 readers
  d.named_chat_templates = {{"tool_use", "{{ tools | tojson }}"}, {"rag", "x"}};
  const std::vector<std::byte> v2 = d.serialize();
  EXPECT_EQ(v2[8], std::byte{2});
  auto parsed = TokenizerData::parse(v2);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(*parsed, d);
  for (std::size_t n = v1.size(); n < v2.size(); ++n) {
    EXPECT_FALSE(TokenizerData::parse(std::span(v2).first(n))) << "prefix " << n;
  }
}

TEST(TokenizerData, RefusesBadMagicAndNewerVersion) {
  std::vector<std::byte> bytes = genai::test::make_vocab().serialize();
  auto bad = bytes;
  bad[0] = std::byte{'X'};
  auto r = TokenizerData::parse(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(r.error().message().find("magic"), std::string::npos);

  auto newer = bytes;
  newer[8] = std::byte{99};
  r = TokenizerData::parse(newer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kVersionMismatch);
}

TEST(TokenizerData, EveryTruncationIsAClearError) {
  const std::vector<std::byte> bytes = genai::test::make_vocab().serialize();
  // Every prefix must fail cleanly (step through the header byte by byte, then coarser).
  for (std::size_t n = 0; n < bytes.size(); n += (n < 200 ? 1 : 37)) {
    auto r = TokenizerData::parse(std::span(bytes).first(n));
    ASSERT_FALSE(r) << "prefix " << n;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadFormat) << r.error().what();
  }
}

TEST(TokenizerData, RandomCorruptionNeverCrashes) {
  const std::vector<std::byte> bytes = genai::test::make_vocab().serialize();
  std::mt19937 rng(7);
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    auto copy = bytes;
    for (int k = 0; k < 3; ++k) copy[rng() % copy.size()] = static_cast<std::byte>(rng() & 0xff);
    auto r = TokenizerData::parse(copy);
    if (!r) {
      ++refused;
      EXPECT_FALSE(r.error().message().empty());
    } else {
      EXPECT_TRUE(r->validate());
    }
  }
  EXPECT_GT(refused, 0);
}

TEST(TokenizerData, ValidateFindsInconsistencies) {
  TokenizerData d = genai::test::make_vocab();
  d.token_types.pop_back();
  EXPECT_FALSE(d.validate());

  d = genai::test::make_vocab();
  d.tokens[20] = d.tokens[21];
  auto r = d.validate();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("duplicate"), std::string::npos);

  d = genai::test::make_vocab();
  d.bos_id = static_cast<std::int32_t>(d.tokens.size());
  EXPECT_FALSE(d.validate());

  d = genai::test::make_vocab();
  d.bos_id = TokenizerData::kNoToken;
  EXPECT_FALSE(d.validate());  // add_bos without a BOS id
}

TEST(TokenizerData, GgufTokenTypes) {
  EXPECT_EQ(*token_type_from_gguf(3), TokenType::kControl);
  EXPECT_EQ(*token_type_from_gguf(6), TokenType::kByte);
  EXPECT_FALSE(token_type_from_gguf(7));
  EXPECT_FALSE(token_type_from_gguf(-1));
  EXPECT_EQ(to_string(TokenType::kUserDefined), "user-defined");
}

}  // namespace
}  // namespace npu
