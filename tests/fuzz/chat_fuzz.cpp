// Chat messages and tool definitions as a client sends them, rendered by every chat template.
// The input is NUL-separated fields: tools JSON texts up to an empty field, then messages as
// (role, content, reasoning, tool name, tool arguments JSON) groups.
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
  for (auto kind : {ChatTemplateKind::kLfm2, ChatTemplateKind::kLfm25, ChatTemplateKind::kChatMl}) {
    const ChatTemplate chat(kind, "<|startoftext|>");
    for (bool keep : {false, true}) {
      auto text = chat.render(messages, tools, ChatOptions{.add_generation_prompt = !keep, .keep_past_thinking = keep});
      // Tools that render are JSON objects (the template re-serializes them).
      if (text) {
        for (const auto& t : tools) npu::fuzz::require(nlohmann::json::accept(t));
      }
    }
  }
  // Template detection reads the model's own (untrusted) Jinja text and names.
  (void)ChatTemplate::detect(ModelIdentity{std::string(parts[0]), std::string(parts.back()),
                                           std::string(parts.size() > 1 ? parts[1] : "")});
  return 0;
}
