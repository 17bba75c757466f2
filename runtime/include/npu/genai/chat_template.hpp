// Chat templates written in C++ (no Jinja engine): they reproduce, character for character, what
// the models' own Jinja templates render.
//   kLfm2   LFM2: BOS, "<|im_start|>role\n...<|im_end|>\n" turns, the tool list in the system turn
//           as "List of tools: <|tool_list_start|>[...]<|tool_list_end|>", tool results wrapped in
//           <|tool_response_start|>...<|tool_response_end|>. (LFM2's Jinja has no tool_calls
//           field; structured calls are rendered as LFM2.5 does, the text the model itself writes.)
//   kLfm25  LFM2.5: tools as a "List of tools: [...]" system line; assistant tool calls rendered
//           Pythonic between <|tool_call_start|>[...]<|tool_call_end|>; the <think> reasoning of
//           every assistant turn but the last is stripped (unless keep_past_thinking).
//   kChatMl Generic ChatML for other models: no BOS, tools (if any) as a "List of tools: [...]"
//           system line.
// Tools are JSON texts (one object per tool) and are re-serialized as Jinja's `tojson` does
// (", " and ": " separators, key order kept, non-ASCII kept).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "npu/common/error.hpp"
#include "npu/genai/chat_message.hpp"

namespace npu::genai {

enum class ChatTemplateKind { kLfm2, kLfm25, kChatMl };
[[nodiscard]] std::string_view to_string(ChatTemplateKind kind) noexcept;

// What the model's metadata says about it; any field may be empty.
struct ModelIdentity {
  std::string architecture;   // "lfm2", "qwen2", ...
  std::string name;           // "LFM2.5-1.2B-Thinking", ...
  std::string template_text;  // tokenizer.chat_template (Jinja)
};

struct ChatOptions {
  bool add_generation_prompt = true;  // end with "<|im_start|>assistant\n"
  bool keep_past_thinking = false;    // LFM2.5: keep reasoning of earlier assistant turns
};

class ChatTemplate {
 public:
  // Picks the template: from the Jinja text's tell-tale strings first, then from the architecture
  // and name, ChatML when nothing matches.
  [[nodiscard]] static ChatTemplateKind detect(const ModelIdentity& model);

  // `bos_text` is the vocabulary's BOS string (e.g. "<|startoftext|>"); LFM templates start with it.
  ChatTemplate(ChatTemplateKind kind, std::string bos_text)
      : kind_(kind), bos_text_(std::move(bos_text)) {}

  // kInvalidArgument for a message without a role, a tool that is not a JSON object, or tool-call
  // arguments that are not a JSON object.
  [[nodiscard]] Expected<std::string> render(std::span<const ChatMessage> messages,
                                             std::span<const std::string> tools_json = {},
                                             ChatOptions options = {}) const;

  [[nodiscard]] ChatTemplateKind kind() const noexcept { return kind_; }
  // Whether the rendered text already starts with BOS (then encode it without adding another).
  [[nodiscard]] bool renders_bos() const noexcept {
    return kind_ != ChatTemplateKind::kChatMl && !bos_text_.empty();
  }

 private:
  ChatTemplateKind kind_;
  std::string bos_text_;
};

}  // namespace npu::genai
