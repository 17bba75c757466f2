// `npu generate MODEL.npk|MODEL.hef (--prompt TEXT | --tokens 1,2,3) [--max-tokens N] [--greedy] [--json]
// [--logits] [--stop-tokens 1,2] [--show-reasoning] [--on-think-start CMD] [--on-think-end CMD]`:
// one generation through genai::LLM. With --json: one object per event of a generated token
// {"index","token","text","kind"} (+ "logits" with --logits; a tool_call also has "call", the
// parsed call; content from a malformed call has "warning"), then {"summary": true, ...figures}.
// Without --json: the content and tool calls on stdout, the reasoning too with --show-reasoning.
#include <cstdio>

#include <fmt/format.h>

#include "commands.hpp"
#include "llm_common.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct GenerateOpts {
  std::string model, prompt, tokens, stop_tokens;
  ThinkingOptions thinking;
  DeviceOptions where;
  std::optional<std::uint32_t> max_tokens;
  std::optional<float> temperature;
  std::optional<std::uint64_t> seed;
  bool greedy = false, json = false, logits = false, ignore_eos = false;
};

Expected<void> generate(const GenerateOpts& o) {
  if (o.prompt.empty() == o.tokens.empty()) {
    return fail(ErrorCode::kInvalidArgument, "give exactly one of --prompt TEXT or --tokens 1,2,3");
  }
  NPU_TRY_ASSIGN(auto opened, open_llm(o.model, o.where));
  auto& llm = *opened.llm;
  std::vector<genai::TokenId> prompt;
  if (!o.tokens.empty()) {
    NPU_TRY_ASSIGN(prompt, parse_token_list(o.tokens));
  }
  genai::GeneratorParams params;
  params.greedy = o.greedy;
  params.temperature = o.temperature;
  params.seed = o.seed;
  params.max_generated_tokens = o.max_tokens;
  params.return_logits = o.logits;
  params.ignore_end_tokens = o.ignore_eos;
  params.show_reasoning = o.thinking.show_reasoning;
  if (!o.stop_tokens.empty()) {
    NPU_TRY_ASSIGN(params.stop_tokens, parse_token_list(o.stop_tokens));
  }
  llm.set_hooks(think_hook_commands(o.thinking));
  // A text prompt goes as text: the model's tokenizer runs where the backend runs it (on a Hailo
  // device, inside HailoRT).
  NPU_TRY_ASSIGN(auto gen, o.tokens.empty() ? llm.generate(std::string_view(o.prompt), params)
                                            : llm.generate(std::span<const genai::TokenId>(prompt), params));
  const bool text_only = llm.info().text_only;
  genai::GenerationStatus status = genai::GenerationStatus::kGenerating;
  while (true) {
    NPU_TRY_ASSIGN(auto out, gen.read(std::chrono::minutes(10)));
    if (out.kind == genai::OutputKind::kEnd) {
      status = out.status;
      break;
    }
    if (o.json) {
      // Events of no token of their own: the trailing bytes of an incomplete character and the
      // end of thinking at the end are left out; an unfinished tool call (with a warning) is not.
      // A text-only model (HailoRT) reports no token ids: all its events are shown.
      if (out.token < 0 && out.warning.empty() && !text_only) continue;
      nlohmann::json line{{"index", out.index}, {"token", out.token}, {"text", out.text},
                          {"kind", genai::to_string(out.kind)}};
      if (out.token < 0) line["token"] = nullptr;
      if (out.kind == genai::OutputKind::kToolCall) line["call"] = nlohmann::json::parse(out.text, nullptr, false);
      if (!out.warning.empty()) line["warning"] = out.warning;
      if (o.logits) line["logits"] = out.logits;
      print_json_line(line);
    } else if (out.kind == genai::OutputKind::kContent || out.kind == genai::OutputKind::kToolCall ||
               (out.kind == genai::OutputKind::kReasoning && !out.text.empty())) {
      fmt::print("{}", out.text);
      if (!out.warning.empty()) fmt::print(stderr, "\nnpu generate: malformed tool call: {}\n", out.warning);
      std::fflush(stdout);
    }
  }
  auto figures = generation_figures(gen.stats(), llm.info());
  figures["status"] = genai::to_string(status);
  if (o.json) {
    figures["summary"] = true;
    figures["model"] = llm.info().name;
    print_json_line(figures);
  } else {
    print_generation_figures(figures);
  }
  return {};
}

}  // namespace

void add_generate_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("generate", "Generate text (or tokens) with a compiled LLM");
  auto o = std::make_shared<GenerateOpts>();
  cmd->add_option("model", o->model, "Compiled LLM (.npk; .hef on a Hailo device through HailoRT)")->required();
  add_device_options(*cmd, o->where);
  cmd->add_option("-p,--prompt", o->prompt, "Prompt text (tokenized with the model's tokenizer)");
  cmd->add_option("-t,--tokens", o->tokens, "Prompt as token ids: 1,2,3");
  cmd->add_option("-n,--max-tokens", o->max_tokens, "Stop after N generated tokens (default: no limit)")
      ->check(CLI::Range(1u, 1000000u));
  cmd->add_option("--temperature", o->temperature, "Sampling temperature (default: the model's preset)");
  cmd->add_option("--seed", o->seed, "Sampling seed");
  cmd->add_flag("--greedy", o->greedy, "Argmax decoding on the device");
  cmd->add_flag("--ignore-eos", o->ignore_eos, "Do not stop at the model's end-of-turn tokens");
  cmd->add_flag("--json", o->json, "One JSON object per token, then a summary object");
  cmd->add_flag("--logits", o->logits, "With --json: the full logits vector that chose each token");
  cmd->add_option("--stop-tokens", o->stop_tokens, "Also stop at these token ids: 1,2,3");
  add_thinking_options(*cmd, o->thinking);
  cmd->callback([&ctx, o] {
    auto r = generate(*o);
    if (!r) ctx.exit_code = report_error("generate", r.error());
  });
}

}  // namespace npu::tools
