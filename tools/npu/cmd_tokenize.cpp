// `npu tokenize MODEL.npk (--text T | --messages FILE.json [--tools FILE.json]
// [--add-generation-prompt] [--template-kwargs JSON]) [--no-special] [--json]`: shows exactly what
// the model is fed, without a device (like llama.cpp's llama-tokenize and vLLM's /tokenize).
// --text tokenizes the text as a plain prompt (BOS added when the vocabulary asks for it);
// --messages renders a conversation (a JSON array of messages, or an object with "messages" and
// optionally "tools", as an OpenAI request has them) through the model's chat template with the
// variables Hugging Face passes, then tokenizes it as a chat generation does. --no-special adds no
// BOS/EOS and reads special-token text ("<|im_start|>") as ordinary text.
// Output: the prompt, then one line per token "ID -> 'piece'"; with --json one object
// {"prompt", "tokens", "pieces", "count"}.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "npu/genai/model_text.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct TokenizeOpts {
  std::string model, text, messages, tools, template_kwargs;
  bool add_generation_prompt = false, no_special = false, json = false;
};

Expected<nlohmann::ordered_json> read_json_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, fmt::format("cannot open {} file {}", what, path));
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = nlohmann::ordered_json::parse(buf.str(), nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInvalidArgument, fmt::format("{} file {} is not valid JSON", what, path));
  return j;
}

Expected<genai::ChatPrompt> render(const genai::ModelText& text, const TokenizeOpts& o) {
  genai::ChatPrompt p;
  if (!o.text.empty()) {
    NPU_TRY_ASSIGN(const genai::Tokenizer* tok, text.tokenizer());
    p.text = o.text;
    NPU_TRY_ASSIGN(p.tokens, tok->encode(o.text, {.add_special = !o.no_special, .parse_special = !o.no_special}));
    return p;
  }
  NPU_TRY_ASSIGN(auto messages, read_json_file(o.messages, "messages"));
  nlohmann::ordered_json tools;
  if (messages.is_object()) {  // an OpenAI-style request body
    if (messages.contains("tools")) tools = messages["tools"];
    if (!messages.contains("messages")) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("{} holds an object without \"messages\"", o.messages));
    }
    messages = nlohmann::ordered_json(messages["messages"]);
  }
  if (!o.tools.empty()) {
    NPU_TRY_ASSIGN(tools, read_json_file(o.tools, "tools"));
  }
  if (!tools.is_null() && !tools.is_array()) return fail(ErrorCode::kInvalidArgument, "tools must be a JSON array");
  genai::ChatOptions options;
  options.add_generation_prompt = o.add_generation_prompt;
  options.template_kwargs_json = o.template_kwargs;
  const std::string tools_text = tools.is_null() ? std::string() : tools.dump();
  NPU_TRY_ASSIGN(p, text.apply_chat_template_json(messages.dump(), tools_text, options));
  if (o.no_special) {
    NPU_TRY_ASSIGN(const genai::Tokenizer* tok, text.tokenizer());
    NPU_TRY_ASSIGN(p.tokens, tok->encode(p.text, {.add_special = false, .parse_special = false}));
  }
  return p;
}

Expected<void> tokenize(const TokenizeOpts& o) {
  if (o.text.empty() == o.messages.empty()) {
    return fail(ErrorCode::kInvalidArgument, "give exactly one of --text TEXT or --messages FILE.json");
  }
  if (!o.text.empty() && (!o.tools.empty() || !o.template_kwargs.empty() || o.add_generation_prompt)) {
    return fail(ErrorCode::kInvalidArgument,
                "--tools, --template-kwargs and --add-generation-prompt go with --messages (a chat), not --text");
  }
  NPU_TRY_ASSIGN(auto text, genai::ModelText::open(o.model));
  NPU_TRY_ASSIGN(const genai::Tokenizer* tok, text.tokenizer());
  NPU_TRY_ASSIGN(const auto prompt, render(text, o));
  if (o.json) {
    nlohmann::json pieces = nlohmann::json::array();
    for (genai::TokenId id : prompt.tokens) pieces.push_back(std::string(tok->token_bytes(id)));
    const nlohmann::json out = {{"prompt", prompt.text}, {"tokens", prompt.tokens}, {"pieces", pieces},
                                {"count", prompt.tokens.size()}};
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    return {};
  }
  fmt::print("{}\n--- {} tokens\n", prompt.text, prompt.tokens.size());
  for (genai::TokenId id : prompt.tokens) {
    // The piece as a JSON string: quotes, newlines and broken UTF-8 stay readable on one line.
    fmt::print("{:>6} -> {}\n", id,
               nlohmann::json(std::string(tok->token_bytes(id))).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return {};
}

}  // namespace

void add_tokenize_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("tokenize", "Show the prompt and token ids a compiled LLM is fed (no device needed)");
  auto o = std::make_shared<TokenizeOpts>();
  cmd->add_option("model", o->model, "Compiled LLM (.npk)")->required();
  cmd->add_option("--text", o->text, "Tokenize this text as a plain prompt");
  cmd->add_option("--messages", o->messages,
                  "Render this conversation (JSON array of messages, or {\"messages\": [...], \"tools\": [...]}) "
                  "through the model's chat template");
  cmd->add_option("--tools", o->tools, "Tools for the chat template (JSON array)");
  cmd->add_flag("--add-generation-prompt", o->add_generation_prompt, "End with the opening of an assistant turn");
  cmd->add_option("--template-kwargs", o->template_kwargs,
                  "Extra template variables as a JSON object, e.g. '{\"keep_past_thinking\": true}'");
  cmd->add_flag("--no-special", o->no_special, "Add no BOS/EOS and read special-token text as plain text");
  cmd->add_flag("--json", o->json, "One JSON object: prompt, tokens, pieces, count");
  cmd->callback([&ctx, o] {
    auto r = tokenize(*o);
    if (!r) ctx.exit_code = report_error("tokenize", r.error());
  });
}

}  // namespace npu::tools
