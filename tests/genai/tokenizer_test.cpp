#include "npu/genai/tokenizer.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "npu/genai/pre_tokenizer.hpp"
#include "npu/genai/special_tokens.hpp"
#include "test_vocab.hpp"

namespace npu::genai {
namespace {

using test::kByteBase;
using test::make_vocab;

constexpr TokenId B(unsigned char c) { return kByteBase + c; }

Tokenizer make(const std::string& pre = "lfm2", std::vector<test::Merge> merges = test::default_merges()) {
  auto t = Tokenizer::create(make_vocab(pre, std::move(merges)));
  EXPECT_TRUE(t) << t.error().what();
  return std::move(*t);
}

std::vector<TokenId> enc(const Tokenizer& t, std::string_view text, EncodeOptions o = {false, true}) {
  auto r = t.encode(text, o);
  EXPECT_TRUE(r) << r.error().what();
  return r ? *r : std::vector<TokenId>{};
}

std::vector<std::string> split(std::string_view pre, std::string_view text) {
  auto p = PreTokenizer::create(pre);
  EXPECT_TRUE(p) << p.error().what();
  auto pieces = p->split(text);
  EXPECT_TRUE(pieces) << pieces.error().what();
  return {pieces->begin(), pieces->end()};
}

TEST(PreTokenizer, Llama3SplitAsLlamaCpp) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("lfm2", "Hello world's 12345 !!\n\n  x"),
            (V{"Hello", " world", "'s", " ", "123", "45", " !!\n\n", " ", " x"}));
  EXPECT_EQ(split("lfm2", "I'M HERE"), (V{"I", "'M", " HERE"}));
  EXPECT_EQ(split("lfm2", "Привет мир"), (V{"Привет", " мир"}));
  EXPECT_EQ(split("lfm2", "你好世界。"), (V{"你好世界", "。"}));
  EXPECT_EQ(split("lfm2", "a\r\n\tb"), (V{"a", "\r\n", "\tb"}));
  EXPECT_EQ(split("lfm2", "x  \n"), (V{"x", "  \n"}));
}

TEST(PreTokenizer, Qwen2SplitsSingleDigits) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("qwen2", "ab 1234"), (V{"ab", " ", "1", "2", "3", "4"}));
  EXPECT_EQ(split("gpt2", "ab 1234"), (V{"ab", " 1234"}));
}

TEST(PreTokenizer, PiecesAlwaysConcatenateBack) {
  for (std::string_view pre : {"lfm2", "qwen2", "gpt2"}) {
    for (std::string_view text : {"  lead and trail  ", "\u0301combining first", "👍🏽 ok",
                                  "tab\tnew\nline\r\n", "Ünïcödé — “quotes”", "\n\n\n"}) {
      std::string joined;
      for (const std::string& p : split(pre, text)) joined += p;
      EXPECT_EQ(joined, text) << pre;
    }
  }
}

TEST(PreTokenizer, RefusesUnknownNameAndInvalidUtf8) {
  auto p = PreTokenizer::create("no-such-pre");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(p.error().message().find("lfm2"), std::string::npos);  // lists the known names
  auto ok = PreTokenizer::create("lfm2");
  ASSERT_TRUE(ok);
  auto r = ok->split("abc\xff");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("offset 3"), std::string::npos);
}

TEST(Tokenizer, KnownMergesGiveExactIds) {
  for (const std::string pre : {"lfm2", "qwen2"}) {
    const Tokenizer t = make(pre);
    EXPECT_EQ(enc(t, "hello world"), (std::vector<TokenId>{272, 277})) << pre;
    EXPECT_EQ(enc(t, "hell"), (std::vector<TokenId>{271})) << pre;
    EXPECT_EQ(enc(t, "helo"), (std::vector<TokenId>{269, B('l'), B('o')})) << pre;
    EXPECT_EQ(enc(t, "п"), (std::vector<TokenId>{278})) << pre;
  }
}

TEST(Tokenizer, NumbersFollowThePreTokenizer) {
  // LLaMA-3 split: "123" "456" "7" -> "12" merges inside the first piece only.
  EXPECT_EQ(enc(make("lfm2"), "1234567"),
            (std::vector<TokenId>{279, B('3'), B('4'), B('5'), B('6'), B('7')}));
  // Qwen2 split: single digits, so "12" never merges.
  EXPECT_EQ(enc(make("qwen2"), "1212"), (std::vector<TokenId>{B('1'), B('2'), B('1'), B('2')}));
}

TEST(Tokenizer, MergeRankDecidesOrder) {
  const Tokenizer ab_first = make("qwen2", {{"a", "b"}, {"b", "c"}});
  const Tokenizer bc_first = make("qwen2", {{"b", "c"}, {"a", "b"}});
  EXPECT_EQ(enc(ab_first, "abc"), (std::vector<TokenId>{269, B('c')}));
  EXPECT_EQ(enc(bc_first, "abc"), (std::vector<TokenId>{B('a'), 269}));
  // Equal pairs: the leftmost merges first ("aaa" -> "aa" "a").
  const Tokenizer aa = make("qwen2", {{"a", "a"}});
  EXPECT_EQ(enc(aa, "aaa"), (std::vector<TokenId>{269, B('a')}));
}

TEST(Tokenizer, LlamaFamilyEmitsWholeWordTokensWithoutMerges) {
  TokenizerData d = make_vocab("lfm2");
  d.tokens.push_back(test::bl("xyz"));  // a token no merge can build
  d.token_types.push_back(TokenType::kNormal);
  const TokenId xyz = static_cast<TokenId>(d.tokens.size() - 1);
  auto lfm2 = Tokenizer::create(d);
  ASSERT_TRUE(lfm2);
  EXPECT_EQ(enc(*lfm2, "xyz"), (std::vector<TokenId>{xyz}));
  d.pre = "qwen2";
  auto qwen2 = Tokenizer::create(d);
  ASSERT_TRUE(qwen2);
  EXPECT_EQ(enc(*qwen2, "xyz"), (std::vector<TokenId>{B('x'), B('y'), B('z')}));
}

TEST(Tokenizer, SpecialTokensAndBos) {
  const Tokenizer t = make();
  EXPECT_EQ(*t.encode("hello"), (std::vector<TokenId>{1, 272}));  // add_bos from the vocabulary
  EXPECT_EQ(enc(t, "<|im_start|>user\nhello<|im_end|>"),
            (std::vector<TokenId>{3, B('u'), B('s'), B('e'), B('r'), B('\n'), 272, 4}));
  EXPECT_EQ(enc(t, "<think>hello</think>"), (std::vector<TokenId>{5, 272, 6}));
  // Without parse_special the marker is plain text and decodes back to itself.
  const auto plain = enc(t, "<|im_end|>", {false, false});
  EXPECT_GT(plain.size(), 1u);
  EXPECT_EQ(*t.decode(plain), "<|im_end|>");
  // decode hides control tokens unless asked.
  const std::vector<TokenId> ids{1, 272, 4};
  EXPECT_EQ(*t.decode(ids), "hello");
  EXPECT_EQ(*t.decode(ids, {.skip_special = false}), "<|startoftext|>hello<|im_end|>");
  EXPECT_FALSE(t.decode(std::vector<TokenId>{99999}));
}

TEST(Tokenizer, UserDefinedTokensMatchEvenWithoutSpecialParsing) {
  TokenizerData d = make_vocab();
  d.token_types[5] = TokenType::kUserDefined;  // <think>
  auto t = Tokenizer::create(d);
  ASSERT_TRUE(t);
  EXPECT_EQ(enc(*t, "<think>hello", {false, false}), (std::vector<TokenId>{5, 272}));
  EXPECT_GT(enc(*t, "</think>", {false, false}).size(), 1u);  // control: plain text here
  // User-defined tokens are visible text when decoding.
  EXPECT_EQ(*t->decode(std::vector<TokenId>{5, 272}), "<think>hello");
}

TEST(Tokenizer, SpecialTokenIdsAreLookedUp) {
  // Put the markers at other ids than test_vocab's defaults: lookup must follow.
  TokenizerData d = make_vocab();
  std::swap(d.tokens[5], d.tokens[12]);  // <think> <-> <|tool_response_end|>
  auto t = Tokenizer::create(d);
  ASSERT_TRUE(t);
  const SpecialTokens s = SpecialTokens::find(*t);
  EXPECT_EQ(s.think_start, 12);
  EXPECT_EQ(s.tool_response_end, 5);
  EXPECT_EQ(s.think_end, 6);
  EXPECT_EQ(s.tool_call_start, 7);
  EXPECT_EQ(s.im_end, 4);
  EXPECT_EQ(s.end_of_generation(), (std::vector<TokenId>{4, 2}));  // eos == im_end, endoftext
  TokenizerData bare = make_vocab();
  bare.tokens[5] = "<nothink>";
  auto t2 = Tokenizer::create(bare);
  ASSERT_TRUE(t2);
  EXPECT_FALSE(SpecialTokens::find(*t2).think_start.has_value());
}

TEST(Tokenizer, RoundTripsManyScripts) {
  const std::vector<std::string> texts = {
      "Héllo, wörld! Ça va? Niño, façade, Ærøskøbing.",
      "Привет, как дела? Съешь же ещё этих мягких французских булок.",
      "Καλημέρα κόσμε, τί κάνεις;",
      "你好，世界！日本語のテキスト、한국어 텍스트。",
      "مرحبا بالعالم، كيف حالك؟",
      "नमस्ते दुनिया, आप कैसे हैं?",
      "Emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️ done",
      "Whitespace:   three\t\ttabs\n\n\nnewlines\r\n  end   ",
      "Numbers: 0 12 345 6789 3.14159 -42 1e10 1,000,000",
      "code: if (x != y) { return a->b[0] + 'c'; } // ok's",
      "",
      " ",
      "<|im_start|>assistant\n<think>why</think>answer<|im_end|>",
  };
  for (const std::string pre : {"lfm2", "qwen2", "gpt2"}) {
    const Tokenizer t = make(pre);
    for (const std::string& text : texts) {
      const auto ids = enc(t, text);
      auto back = t.decode(ids, {.skip_special = false});
      ASSERT_TRUE(back);
      EXPECT_EQ(*back, text) << pre;
    }
  }
}

TEST(Tokenizer, RefusesInvalidInputAndVocabularies) {
  const Tokenizer t = make();
  auto bad = t.encode("ok \xc3\x28");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);

  TokenizerData d = make_vocab();
  d.tokens[kByteBase + 'a'] = "not-a";
  auto missing = Tokenizer::create(d);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("0x61"), std::string::npos);

  d = make_vocab();
  d.model = "llama";
  EXPECT_EQ(Tokenizer::create(d).error().code(), ErrorCode::kUnsupported);
  d = make_vocab();
  d.pre = "unheard-of";
  EXPECT_EQ(Tokenizer::create(d).error().code(), ErrorCode::kUnsupported);
  d = make_vocab();
  d.merges.push_back("nospace");
  EXPECT_EQ(Tokenizer::create(d).error().code(), ErrorCode::kBadFormat);
}

TEST(Tokenizer, LongRunsStayFast) {
  const Tokenizer t = make();
  const std::string spaces(200000, ' ');
  const auto start = std::chrono::steady_clock::now();
  const auto ids = enc(t, "a" + spaces + "b");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Pieces "a", 199999 spaces (pairs merge into "  "), " b".
  EXPECT_EQ(ids.size(), 1u + 100000u + 2u);
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  EXPECT_EQ(*t.decode(ids), "a" + spaces + "b");
}

}  // namespace
}  // namespace npu::genai
