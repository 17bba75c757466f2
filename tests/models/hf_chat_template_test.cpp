// Where a Hugging Face folder's chat templates come from: chat_template.jinja before
// tokenizer_config.json's chat_template (a string or a list of named templates), and
// additional_chat_templates/NAME.jinja as named templates.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "npu/compiler/llm_source.hpp"

namespace npu::compiler::llm {
namespace {

namespace fs = std::filesystem;

class HfChatTemplate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("npu-hf-template-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}})");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  TokenizerData load() {
    auto t = tokenizer_from_hf_folder(dir_, ModelConfig{});
    EXPECT_TRUE(t) << t.error().what();
    return t ? *t : TokenizerData{};
  }
  fs::path dir_;
};

TEST_F(HfChatTemplate, ConfigStringThenJinjaFileWins) {
  write("tokenizer_config.json", R"({"chat_template": "from config", "add_bos_token": true})");
  EXPECT_EQ(load().chat_template, "from config");
  write("chat_template.jinja", "{{ bos_token }}from file\n");
  const TokenizerData t = load();
  EXPECT_EQ(t.chat_template, "{{ bos_token }}from file\n");
  EXPECT_TRUE(t.add_bos);
}

TEST_F(HfChatTemplate, NamedTemplatesFromTheListAndTheFolder) {
  write("tokenizer_config.json",
        R"({"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]})");
  write("additional_chat_templates/rag.jinja", "R");
  write("additional_chat_templates/tool_use.jinja", "T2");
  const TokenizerData t = load();
  EXPECT_EQ(t.chat_template, "D");
  const std::vector<std::pair<std::string, std::string>> named = {{"tool_use", "T2"}, {"rag", "R"}};
  EXPECT_EQ(t.named_chat_templates, named);
}

TEST_F(HfChatTemplate, MalformedListIsAClearError) {
  write("tokenizer_config.json", R"({"chat_template": [{"name": "default"}]})");
  auto t = tokenizer_from_hf_folder(dir_, ModelConfig{});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message().find("needs a string \"name\" and \"template\""), std::string::npos) << t.error().what();
  write("tokenizer_config.json", R"({"chat_template": 5})");
  EXPECT_FALSE(tokenizer_from_hf_folder(dir_, ModelConfig{}));
}

}  // namespace
}  // namespace npu::compiler::llm
