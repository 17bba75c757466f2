// Chat messages and tool definitions as a client sends them, rendered by every chat template.
// The input is NUL-separated fields: tools JSON texts up to an empty field, then messages as
// (role, content, reasoning, tool name, tool arguments JSON) groups. The second field also runs as
// a model's own Jinja template.
#include "fuzz_input.hpp"
#include "npu/genai/chat_template.hpp"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace npu::genai;
  const auto parts = npu::fuzz::fields(npu::fuzz::text(data, size));
  std::size_t i = 0;
  std::vector<std::string> tools;
  for (; i < parts.size() && !parts[i].empty(); ++i) tools.emplace_back(parts[i]);
  ++i;
  std::vector<ChatMessage> messages;
  for (; i + 1 < parts.size(); i += 5) {
    ChatMessage m;
    m.role = std::string(parts[i]);
    m.content = std::string(parts[i + 1]);
    if (i + 2 < parts.size()) m.reasoning = std::string(parts[i + 2]);
    if (i + 4 < parts.size() && !parts[i + 3].empty()) {
      m.tool_calls.push_back(ToolCall{std::string(parts[i + 3]), std::string(parts[i + 4])});
    }
    messages.push_back(std::move(m));
  }
  const TemplateTokens tokens{"<|startoftext|>", "<|im_end|>", "", ""};
  // The built-in templates are compiled once (as a server does), not once per input.
  static const ChatTemplate builtins[] = {ChatTemplate::builtin(BuiltinTemplate::kLfm2, tokens),
                                          ChatTemplate::builtin(BuiltinTemplate::kLfm25, tokens),
                                          ChatTemplate::builtin(BuiltinTemplate::kChatMl, tokens)};
  for (const ChatTemplate& chat : builtins) {
    for (bool keep : {false, true}) {
      auto text = chat.render(messages, tools,
                              ChatOptions{.add_generation_prompt = !keep,
                                          .template_kwargs_json = keep ? R"({"keep_past_thinking": true})" : ""});
      // Tools that render are JSON objects (the template re-serializes them).
      if (text) {
        for (const auto& t : tools) npu::fuzz::require(nlohmann::json::accept(t));
      }
    }
  }
  // The model's own (untrusted) Jinja text: compiled and rendered, or refused with an error.
  const std::string source(parts.size() > 1 ? parts[1] : "");
  if (auto own = ChatTemplate::for_model(ModelIdentity{std::string(parts[0]), std::string(parts.back()), source}, tokens)) {
    (void)own->render(messages, tools);
  }
  return 0;
}
