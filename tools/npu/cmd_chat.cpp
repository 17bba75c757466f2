// `npu chat MODEL.npk [--show-reasoning] [--on-think-start CMD] [--on-think-end CMD]`: an
// interactive chat on one LLM session. Lines from stdin (a terminal or a pipe) are user turns;
// /reset clears the context, /save FILE and /load FILE keep it, /quit (or end of input) leaves.
// While the model thinks, "Analyzing..." is shown; its reasoning only with --show-reasoning.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "llm_common.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct Opts {
  std::string model, device, on_think_start, on_think_end;
  bool show_reasoning = false;
  std::optional<std::uint32_t> max_tokens;
};

void run_hook(const std::string& cmd) {
  if (cmd.empty()) return;
  if (int rc = std::system(cmd.c_str()); rc != 0) fmt::print(stderr, "[hook '{}' exited with {}]\n", cmd, rc);
}

// One assistant turn: streams it and returns its visible text.
Expected<void> answer(genai::LLM& llm, const std::string& user, const Opts& o) {
  std::vector<genai::ChatMessage> turn(1);
  turn[0].role = "user";
  turn[0].content = user;
  genai::GeneratorParams params;
  params.max_generated_tokens = o.max_tokens;
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
      case genai::OutputKind::kReasoning:
        if (o.show_reasoning) fmt::print("{}", out.text);
        break;
      case genai::OutputKind::kToolCall: fmt::print("[tool call] {}", out.text); break;
      case genai::OutputKind::kContent: fmt::print("{}", out.text); break;
    }
    std::fflush(stdout);
  }
}

Expected<void> chat(const Opts& o) {
  NPU_TRY_ASSIGN(auto opened, open_llm(o.model, o.device));
  auto& llm = *opened.llm;
  llm.set_hooks({.on_think_start = [&] { run_hook(o.on_think_start); },
                 .on_think_end = [&] { run_hook(o.on_think_end); }});
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
  cmd->add_option("model", o->model, "Compiled LLM (.npk)")->required();
  cmd->add_option("-d,--device", o->device, "Device id from `npu scan` (default: the first)");
  cmd->add_flag("--show-reasoning", o->show_reasoning, "Show the text inside <think>...</think>");
  cmd->add_option("--on-think-start", o->on_think_start, "Shell command run when the model starts thinking");
  cmd->add_option("--on-think-end", o->on_think_end, "Shell command run when it stops thinking");
  cmd->add_option("-n,--max-tokens", o->max_tokens, "Limit each answer to N tokens")->check(CLI::Range(1u, 1000000u));
  cmd->callback([&ctx, o] {
    auto r = chat(*o);
    if (!r) ctx.exit_code = report_error("chat", r.error());
  });
}

}  // namespace npu::tools
