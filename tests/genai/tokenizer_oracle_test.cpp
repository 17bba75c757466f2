// The tokenizer against llama.cpp (node-llama-cpp, the project's oracle): a small BPE vocabulary
// (data/oracle_vocab.json) is written as a vocab-only LFM2 GGUF with each pre-tokenizer, llama.cpp
// tokenizes a set of multi-script texts (with special-token parsing on and off; <think> and
// </think> are user-defined there, the other markers control), and genai::Tokenizer must give
// the same ids.
// Skipped (loudly) without node or node_modules; fails then when NPU_REQUIRE_ORACLE=1.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "node_script.hpp"
#include "npu/genai/tokenizer.hpp"

namespace npu::genai {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
const fs::path kSourceDir = NPU_SOURCE_DIR;

// A vocab-only GGUF (v3): the LFM2 hyper-parameters llama.cpp requires plus the tokenizer keys.
class GgufKv {
 public:
  void str(const std::string& key, const std::string& v) { head(key, 8); text(v); }
  void u32(const std::string& key, std::uint32_t v) { head(key, 4); raw(v); }
  void f32(const std::string& key, float v) { head(key, 6); raw(v); }
  void boolean(const std::string& key, bool v) { head(key, 7); raw(static_cast<std::uint8_t>(v)); }
  void u32s(const std::string& key, const std::vector<std::uint32_t>& v) {
    head(key, 9); raw(std::uint32_t{4}); raw(static_cast<std::uint64_t>(v.size()));
    for (auto x : v) raw(x);
  }
  void i32s(const std::string& key, const std::vector<std::int32_t>& v) {
    head(key, 9); raw(std::uint32_t{5}); raw(static_cast<std::uint64_t>(v.size()));
    for (auto x : v) raw(x);
  }
  void strs(const std::string& key, const std::vector<std::string>& v) {
    head(key, 9); raw(std::uint32_t{8}); raw(static_cast<std::uint64_t>(v.size()));
    for (const auto& x : v) text(x);
  }
  void write(const fs::path& path) const {
    std::ofstream f(path, std::ios::binary);
    f.write("GGUF", 4);
    const std::uint32_t version = 3;
    const std::uint64_t tensors = 0, kvs = count_;
    f.write(reinterpret_cast<const char*>(&version), 4);
    f.write(reinterpret_cast<const char*>(&tensors), 8);
    f.write(reinterpret_cast<const char*>(&kvs), 8);
    f.write(bytes_.data(), static_cast<std::streamsize>(bytes_.size()));
  }

 private:
  template <class T> void raw(T v) { bytes_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void text(const std::string& s) { raw(static_cast<std::uint64_t>(s.size())); bytes_ += s; }
  void head(const std::string& key, std::uint32_t type) { text(key); raw(type); ++count_; }
  std::string bytes_;
  std::uint64_t count_ = 0;
};

TokenizerData load_vocab(const std::string& pre) {
  std::ifstream in(kSourceDir / "tests/genai/data/oracle_vocab.json");
  const Json v = Json::parse(in);
  TokenizerData d;
  d.pre = pre;
  d.tokens = v["tokens"].get<std::vector<std::string>>();
  for (int t : v["types"]) d.token_types.push_back(static_cast<TokenType>(t));
  d.merges = v["merges"].get<std::vector<std::string>>();
  d.bos_id = 1;
  d.eos_id = 7;
  d.pad_id = 0;
  d.add_bos = true;
  return d;
}

void write_gguf(const TokenizerData& d, const fs::path& path) {
  GgufKv kv;
  kv.str("general.architecture", "lfm2");
  kv.u32("lfm2.context_length", 128);
  kv.u32("lfm2.embedding_length", 64);
  kv.u32("lfm2.block_count", 2);
  kv.u32("lfm2.feed_forward_length", 128);
  kv.u32("lfm2.vocab_size", static_cast<std::uint32_t>(d.tokens.size()));
  kv.u32("lfm2.attention.head_count", 4);
  kv.u32s("lfm2.attention.head_count_kv", {0, 2});
  kv.f32("lfm2.attention.layer_norm_rms_epsilon", 1e-5f);
  kv.f32("lfm2.rope.freq_base", 1e6f);
  kv.u32("lfm2.shortconv.l_cache", 3);
  kv.str("tokenizer.ggml.model", d.model);
  kv.str("tokenizer.ggml.pre", d.pre);
  kv.strs("tokenizer.ggml.tokens", d.tokens);
  std::vector<std::int32_t> types;
  for (TokenType t : d.token_types) types.push_back(static_cast<std::int32_t>(t));
  kv.i32s("tokenizer.ggml.token_type", types);
  kv.strs("tokenizer.ggml.merges", d.merges);
  kv.u32("tokenizer.ggml.bos_token_id", 1);
  kv.u32("tokenizer.ggml.eos_token_id", 7);
  kv.u32("tokenizer.ggml.padding_token_id", 0);
  kv.boolean("tokenizer.ggml.add_bos_token", true);
  kv.write(path);
}

const std::vector<std::string> kTexts = {
    "Hello world's 12345 !!\n\n  x", "The quick brown fox jumps over the lazy dog.",
    "Héllo, wörld! Ça va? Niño, façade, Ærøskøbing.", "Привет, как дела? Съешь же ещё этих мягких булок.",
    "Καλημέρα κόσμε, τί κάνεις;", "你好，世界！日本語のテキスト、한국어 텍스트。", "مرحبا بالعالم، كيف حالك؟",
    "नमस्ते दुनिया, आप कैसे हैं?", "Emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️ done",
    "Whitespace:   three\t\ttabs\n\n\nnewlines\r\n  end   ",
    "Numbers: 0 12 345 6789 3.14159 -42 1e10 1,000,000 1234567",
    "code: if (x != y) { return a->b[0] + 'c'; } // ok's I'M WE'LL they'Re", " unmergeable zzqx hello",
    "   ", "\n", "a\r\n\tb",
    "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n<think>why</think>answer<|im_end|>",
    "x<|tool_call_start|>[f(a=1)]<|tool_call_end|>y", "ǅ ǈ Ⅻ ² ½ ٣ ０１２", "a\u00a0b\u2003c\u200bd",
    "   leading and trailing   ", "don't DON'T it's IT'S", "e\u0301 combining \u0301x"};

class TokenizerOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerOracle, SameIdsAsLlamaCpp) {
  NPU_REQUIRE_NODE_ORACLE(kSourceDir, "node-llama-cpp");
  const TokenizerData data = load_vocab(GetParam());
  auto tokenizer = Tokenizer::create(data);
  ASSERT_TRUE(tokenizer) << tokenizer.error().what();

  const fs::path dir = fs::temp_directory_path() / ("npu-tok-oracle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_gguf(data, dir / "vocab.gguf");
  std::ofstream(dir / "texts.json") << Json(kTexts).dump();
  const auto output = testing::run_node(kSourceDir / "tests/genai/llama_tokenize.mjs",
                                        {(dir / "vocab.gguf").string(), (dir / "texts.json").string()},
                                        dir / "node.log");
  ASSERT_TRUE(output) << "node failed; see " << (dir / "node.log");
  const Json expected = Json::parse(*output, nullptr, false);
  ASSERT_TRUE(expected.is_object()) << *output;
  for (const bool parse_special : {true, false}) {
    const Json& want = expected[parse_special ? "special" : "plain"];
    ASSERT_EQ(want.size(), kTexts.size());
    for (std::size_t i = 0; i < kTexts.size(); ++i) {
      auto ids = tokenizer->encode(kTexts[i], {.add_special = false, .parse_special = parse_special});
      ASSERT_TRUE(ids) << ids.error().what();
      EXPECT_EQ(*ids, want[i].get<std::vector<TokenId>>())
          << "parse_special " << parse_special << ", text: " << kTexts[i];
    }
  }
  // Decoding: llama_detokenize() also applies HF's clean_up_tokenization_spaces for the LLaMA-3
  // family (" !" -> "!"), which streaming (token_to_piece) does not and neither do we; compare
  // where llama.cpp leaves the text as the tokens spell it.
  for (std::size_t i = 0; i < kTexts.size() && GetParam() == "qwen2"; ++i) {
    auto text = tokenizer->decode(expected["special"][i].get<std::vector<TokenId>>());
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, expected["decoded"][i].get<std::string>()) << "decoding: " << kTexts[i];
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(PreTokenizers, TokenizerOracle, ::testing::Values("lfm2", "qwen2"));

}  // namespace
}  // namespace npu::genai
