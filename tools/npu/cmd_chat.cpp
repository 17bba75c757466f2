// `npu chat MODEL.npk|MODEL.hef [--show-reasoning] [--on-think-start CMD] [--on-think-end CMD]`: an
// interactive chat on one LLM session. Lines from stdin (a terminal or a pipe) are user turns;
// /reset clears the context, /save FILE and /load FILE keep it, /quit (or end of input) leaves.
// While the model thinks, "[Analyzing...]" is shown; its reasoning only with --show-reasoning
// (the answer starts on a new line when thinking ends). Tool calls are printed as their JSON,
// "[tool call] {"name":..,"arguments":{..}}"; a call that does not parse is printed as the text
// the model wrote, with a warning on stderr. The --on-think-* commands run through /bin/sh.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "llm_common.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct Opts {
  std::string model;
  ThinkingOptions thinking;
  DeviceOptions where;
  std::optional<std::uint32_t> max_tokens;
};

// One assistant turn: streams it and returns its visible text.
Expected<void> answer(genai::LLM& llm, const std::string& user, const Opts& o) {
  std::vector<genai::ChatMessage> turn(1);
  turn[0].role = "user";
  turn[0].content = user;
  genai::GeneratorParams params;
  params.max_generated_tokens = o.max_tokens;
  params.show_reasoning = o.thinking.show_reasoning;
  NPU_TRY_ASSIGN(auto gen, llm.generate(std::span<const genai::ChatMessage>(turn), params));
  while (true) {
    NPU_TRY_ASSIGN(auto out, gen.read(std::chrono::minutes(10)));
    switch (out.kind) {
      case genai::OutputKind::kEnd:
        fmt::print("\n");
        if (out.status == genai::GenerationStatus::kMaxTokensReached) fmt::print("[stopped: token limit or full context]\n");
        std::fflush(stdout);
        return {};
      case genai::OutputKind::kStatus: fmt::print("[{}]", out.text); break;
      case genai::OutputKind::kRecovery:
        std::fflush(stdout);
        fmt::print(stderr, "\n[{}]\n", out.text);
        break;
      case genai::OutputKind::kReasoning:
        // Reasoning text (only with --show-reasoning), or the empty event that ends thinking.
        fmt::print("{}", out.text.empty() ? std::string("\n") : out.text);
        break;
      case genai::OutputKind::kToolCall: fmt::print("[tool call] {}\n", out.text); break;
      case genai::OutputKind::kContent:
        fmt::print("{}", out.text);
        if (!out.warning.empty()) {
          std::fflush(stdout);
          fmt::print(stderr, "\n[warning: the model wrote a tool call that does not parse: {}]\n", out.warning);
        }
        break;
    }
    std::fflush(stdout);
  }
}

Expected<void> chat(const Opts& o) {
  NPU_TRY_ASSIGN(auto opened, open_llm(o.model, o.where));
  auto& llm = *opened.llm;
  llm.set_hooks(think_hook_commands(o.thinking));
  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  if (interactive) {
    fmt::print("{} — /reset, /save FILE, /load FILE, /quit\n", llm.info().name);
    if (llm.info().synthetic) fmt::print("(synthetic weights: answers are meaningless text)\n");
  }
  std::string line;
  while (true) {
    if (interactive) {
      fmt::print("> ");
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    if (line == "/quit" || line == "/exit") break;
    Expected<void> r{};
    if (line == "/reset") {
      r = llm.clear_context();
      if (r) fmt::print("[context cleared]\n");
    } else if (line.starts_with("/save ")) {
      r = llm.save_context(line.substr(6));
      if (r) fmt::print("[context saved: {} tokens]\n", llm.context_usage());
    } else if (line.starts_with("/load ")) {
      r = llm.load_context(line.substr(6));
      if (r) fmt::print("[context loaded: {} tokens]\n", llm.context_usage());
    } else if (line.starts_with("/")) {
      fmt::print("[unknown command '{}': /reset, /save FILE, /load FILE, /quit]\n", line);
    } else {
      r = answer(llm, line, o);
    }
    // A failed command or turn is reported and the chat goes on.
    if (!r) fmt::print(stderr, "npu chat: {}\n", r.error().what());
  }
  return {};
}

}  // namespace

void add_chat_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("chat", "Chat with a compiled LLM (stdin: terminal or pipe)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Compiled LLM (.npk; .hef on a Hailo device through HailoRT)")->required();
  add_device_options(*cmd, o->where);
  add_thinking_options(*cmd, o->thinking);
  cmd->add_option("-n,--max-tokens", o->max_tokens, "Limit each answer to N tokens")->check(CLI::Range(1u, 1000000u));
  cmd->callback([&ctx, o] {
    auto r = chat(*o);
    if (!r) ctx.exit_code = report_error("chat", r.error());
  });
}

}  // namespace npu::tools
