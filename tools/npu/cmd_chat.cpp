// `npu chat MODEL.npk|MODEL.hef [--show-reasoning] [--on-think-start CMD] [--on-think-end CMD]`: an
// interactive chat on one LLM session. Lines from stdin (a terminal or a pipe) are user turns;
// /reset clears the context, /save FILE and /load FILE keep it, /quit (or end of input) leaves.
// The chat keeps the conversation (each answer's content, reasoning and tool calls) and passes it
// whole each turn, so the model sees exactly what its template renders for it; the session keeps
// the part of its context the rendered conversation shares and runs the rest. /save also writes
// the conversation to FILE.chat.json, which /load reads back.
// While the model thinks, "[Analyzing...]" is shown; its reasoning only with --show-reasoning
// (the answer starts on a new line when thinking ends). Tool calls are printed as their JSON,
// "[tool call] {"name":..,"arguments":{..}}"; a call that does not parse is printed as the text
// the model wrote, with a warning on stderr. The --on-think-* commands run through /bin/sh.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"

#include "commands.hpp"
#include "llm_common.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct ChatOpts {
  std::string model;
  ThinkingOptions thinking;
  DeviceOptions where;
  std::optional<std::uint32_t> max_tokens;
};

using Conversation = std::vector<genai::ChatMessage>;

std::filesystem::path conversation_file(const std::string& context_file) { return context_file + ".chat.json"; }

Expected<void> save_conversation(const Conversation& conv, const std::string& context_file) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : conv) {
    nlohmann::json calls = nlohmann::json::array();
    for (const auto& c : m.tool_calls) calls.push_back({{"name", c.name}, {"arguments", c.arguments_json}});
    j.push_back({{"role", m.role}, {"content", m.content}, {"reasoning", m.reasoning}, {"tool_calls", calls}});
  }
  const std::string text = j.dump(2);
  return write_file_atomic(conversation_file(context_file), std::as_bytes(std::span(text.data(), text.size())));
}

// The conversation saved with a context (empty when there is none).
Expected<Conversation> load_conversation(const std::string& context_file) {
  const auto path = conversation_file(context_file);
  Conversation conv;
  if (!std::filesystem::exists(path)) return conv;
  NPU_TRY_ASSIGN(auto file, MappedFile::open(path));
  const auto bytes = file.bytes();
  const auto* text = reinterpret_cast<const char*>(bytes.data());
  auto j = nlohmann::json::parse(text, text + bytes.size(), nullptr, /*allow_exceptions=*/false);
  auto bad = [&] {
    return fail(ErrorCode::kBadFormat, fmt::format("{} is not a conversation npu chat saved (an array of messages): "
                                                   "delete it to load the context alone", path.string()));
  };
  if (!j.is_array()) return bad();
  for (const auto& m : j) {
    if (!m.is_object() || !m.value("role", nlohmann::json()).is_string()) return bad();
    genai::ChatMessage msg;
    msg.role = m["role"].get<std::string>();
    if (auto c = m.value("content", nlohmann::json()); c.is_string()) msg.content = c.get<std::string>();
    if (auto r = m.value("reasoning", nlohmann::json()); r.is_string()) msg.reasoning = r.get<std::string>();
    for (const auto& c : m.value("tool_calls", nlohmann::json::array())) {
      if (!c.is_object() || !c.value("name", nlohmann::json()).is_string() ||
          !c.value("arguments", nlohmann::json()).is_string()) {
        return bad();
      }
      msg.tool_calls.push_back({c["name"].get<std::string>(), c["arguments"].get<std::string>()});
    }
    conv.push_back(std::move(msg));
  }
  return conv;
}

// A tool call event's JSON ({"name":..,"arguments":{..}}) as the assistant message records it.
std::optional<genai::ToolCall> tool_call(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.value("name", nlohmann::json()).is_string()) return std::nullopt;
  return genai::ToolCall{j["name"].get<std::string>(), j.value("arguments", nlohmann::json::object()).dump()};
}

// One assistant turn of the whole conversation: streams it and adds the user turn and the answer
// to `conv` (also an answer cut short: the context holds it).
Expected<void> answer(genai::LLM& llm, Conversation& conv, const std::string& user, const ChatOpts& o) {
  Conversation next = conv;
  next.push_back({"user", user, {}, {}});
  genai::GeneratorParams params;
  params.max_generated_tokens = o.max_tokens;
  params.show_reasoning = true;  // recorded for the conversation; shown only when asked
  NPU_TRY_ASSIGN(auto gen, llm.generate(std::span<const genai::ChatMessage>(next), params));
  genai::ChatMessage reply{"assistant", {}, {}, {}};
  auto finish = [&] {
    next.push_back(std::move(reply));
    conv = std::move(next);
  };
  while (true) {
    auto read = gen.read(std::chrono::minutes(10));
    if (!read) {
      finish();
      return fail(read.error());
    }
    auto& out = *read;
    switch (out.kind) {
      case genai::OutputKind::kEnd:
        finish();
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
        // Reasoning text (shown only with --show-reasoning), or the empty event that ends thinking.
        reply.reasoning += out.text;
        if (out.text.empty()) fmt::print("\n");
        else if (o.thinking.show_reasoning) fmt::print("{}", out.text);
        break;
      case genai::OutputKind::kToolCall:
        if (auto call = tool_call(out.text)) reply.tool_calls.push_back(std::move(*call));
        fmt::print("[tool call] {}\n", out.text);
        break;
      case genai::OutputKind::kContent:
        reply.content += out.text;
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

Expected<void> chat(const ChatOpts& o) {
  NPU_TRY_ASSIGN(auto opened, open_llm(o.model, o.where));
  auto& llm = *opened.llm;
  llm.set_hooks(think_hook_commands(o.thinking));
  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  if (interactive) {
    fmt::print("{} — /reset, /save FILE, /load FILE, /quit\n", llm.info().name);
    if (llm.info().synthetic) fmt::print("(synthetic weights: answers are meaningless text)\n");
  }
  Conversation conv;
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
      conv.clear();
      if (r) fmt::print("[context cleared]\n");
    } else if (line.starts_with("/save ")) {
      r = llm.save_context(line.substr(6));
      if (r) r = save_conversation(conv, line.substr(6));
      if (r) fmt::print("[context saved: {} tokens, {} messages]\n", llm.context_usage(), conv.size());
    } else if (line.starts_with("/load ")) {
      auto loaded = load_conversation(line.substr(6));
      r = loaded ? llm.load_context(line.substr(6)) : Expected<void>(fail(loaded.error()));
      if (r) {
        conv = std::move(*loaded);
        fmt::print("[context loaded: {} tokens, {} messages]\n", llm.context_usage(), conv.size());
      }
    } else if (line.starts_with("/")) {
      fmt::print("[unknown command '{}': /reset, /save FILE, /load FILE, /quit]\n", line);
    } else {
      r = answer(llm, conv, line, o);
    }
    // A failed command or turn is reported and the chat goes on.
    if (!r) fmt::print(stderr, "npu chat: {}\n", r.error().what());
  }
  return {};
}

}  // namespace

void add_chat_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("chat", "Chat with a compiled LLM (stdin: terminal or pipe)");
  auto o = std::make_shared<ChatOpts>();
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
