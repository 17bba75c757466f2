// Writes the scripted models (tests/llm_runtime/scripted_model.hpp) the server's protocol tests
// serve: tiny LFM2s compiled by the real compiler whose greedy output is a known script.
//   think-tool.npk  after the chat prompt: <think> reasoning </think>, "Sure, calling", one tool
//                   call f(a="x", n=[1, {"k": None}]), end of turn
//   loop.npk        after the chat prompt: "Hi again and again and ..." until the context (2048) is full
//   lfm25-chat.npk  named LFM2.5 (so it gets the built-in LFM2.5 chat template, which reads the
//                   keep_past_thinking kwarg): "Hi", end of turn
// Usage: make_scripted_models OUT_DIR
#include <cstdio>
#include <filesystem>

#include "scripted_model.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_scripted_models OUT_DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  using npu::test::ScriptSpec;
  const ScriptSpec specs[] = {
      {.name = "scripted-think-tool",
       .chains = {{"\n", "<think>", "Let", " me think", "</think>", "Sure", ", calling", "<|tool_call_start|>",
                   "[f(a=\"x\",", " n=[1,", " {\"k\":", " None}])]", "<|tool_call_end|>", "<|im_end|>"}},
       .context_length = 128},
      {.name = "scripted-loop", .chains = {{"\n", "Hi", " again", " and", " again"}}, .context_length = 2048},
      {.name = "scripted-lfm2.5-chat", .chains = {{"\n", "Hi", "<|im_end|>"}}, .context_length = 256},
  };
  const char* files[] = {"think-tool.npk", "loop.npk", "lfm25-chat.npk"};
  for (std::size_t i = 0; i < std::size(specs); ++i) {
    auto m = npu::test::build_scripted_model(specs[i], dir / files[i]);
    if (!m) {
      std::fprintf(stderr, "make_scripted_models: %s: %s\n", files[i], m.error().what().c_str());
      return 1;
    }
  }
  return 0;
}
