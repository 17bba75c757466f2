// Chat templates: the Jinja template a model ships (GGUF `tokenizer.chat_template`, Hugging Face
// `chat_template.jinja` or `tokenizer_config.json`'s `chat_template`), run on the runtime's own
// Jinja engine with the variables Hugging Face's apply_chat_template passes: messages, tools,
// documents (None), add_generation_prompt, bos_token, eos_token (and pad_token / unk_token when
// the vocabulary has them), plus the caller's extra keys (e.g. keep_past_thinking,
// enable_thinking). Rendering follows Python's Jinja as Hugging Face configures it (trim_blocks,
// lstrip_blocks, `tojson` = json.dumps(ensure_ascii=False), Python's str(), Unicode `trim`).
// A model without a template gets a built-in one (Jinja sources in the project, run by the same
// engine), picked from its architecture and name.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/genai/chat_message.hpp"

namespace npu::genai {

// The built-in templates for models that carry none.
//   kLfm2   LFM2: BOS, "<|im_start|>role\n...<|im_end|>\n" turns, tools in the system turn as
//           "List of tools: <|tool_list_start|>[...]<|tool_list_end|>", tool results wrapped in
//           <|tool_response_start|>...<|tool_response_end|>.
//   kLfm25  LFM2.5: tools as "List of tools: [...]"; the <think> reasoning of every assistant turn
//           but the last is dropped unless keep_past_thinking is true.
//   kChatMl Generic ChatML: no BOS, tools (if any) as a "List of tools: [...]" system line.
enum class BuiltinTemplate { kLfm2, kLfm25, kChatMl };
[[nodiscard]] std::string_view to_string(BuiltinTemplate kind) noexcept;

// What the model's metadata says about it; any field may be empty.
struct ModelIdentity {
  std::string architecture;   // "lfm2", "qwen2", ...
  std::string name;           // "LFM2.5-1.2B-Thinking", ...
  std::string template_text;  // the template it ships (Jinja); empty: none
};

// The special-token texts a template sees as bos_token, eos_token, ... (empty: not passed).
struct TemplateTokens {
  std::string bos, eos, pad, unk;
};

struct ChatOptions {
  bool add_generation_prompt = true;  // end with the opening of an assistant turn
  // Extra template variables: a JSON object text such as {"keep_past_thinking": true}; empty
  // for none. kInvalidArgument if it is not an object or names messages / tools /
  // add_generation_prompt / documents (those have their own parameters).
  std::string template_kwargs_json;
};

class ChatTemplate {
 public:
  // Compiles Jinja source. kInvalidArgument naming the construct and its line and column when the
  // engine cannot run it (an unknown filter or test, {% include %}, a syntax error, ...).
  [[nodiscard]] static Expected<ChatTemplate> compile(std::string_view source, TemplateTokens tokens);
  [[nodiscard]] static ChatTemplate builtin(BuiltinTemplate kind, TemplateTokens tokens);
  // The built-in template a model without one gets: LFM2.5 or LFM2 for LFM architectures and
  // names, ChatML otherwise.
  [[nodiscard]] static BuiltinTemplate builtin_for(const ModelIdentity& model);
  // The model's own template when it ships one, otherwise builtin_for(model).
  [[nodiscard]] static Expected<ChatTemplate> for_model(const ModelIdentity& model, TemplateTokens tokens);

  // Renders typed messages. An assistant message's reasoning goes into the message as the model
  // wrote it ("<think>reasoning</think>content"), or as `reasoning_content` when the template
  // reads that key; tool calls as OpenAI-style `tool_calls` ({"type": "function", "function":
  // {"name", "arguments": {...}}}). Tools are JSON object texts, one per tool.
  // kInvalidArgument for a message without a role, a tool or tool-call arguments that are not a
  // JSON object, or a template that fails (naming where).
  [[nodiscard]] Expected<std::string> render(std::span<const ChatMessage> messages,
                                             std::span<const std::string> tools_json = {},
                                             const ChatOptions& options = {}) const;
  // Renders messages given as a JSON array of message objects (Hugging Face / OpenAI form, passed
  // to the template as they are) and tools as a JSON array text (empty: no tools).
  [[nodiscard]] Expected<std::string> render_json(std::string_view messages_json,
                                                  std::string_view tools_json = {},
                                                  const ChatOptions& options = {}) const;

  [[nodiscard]] const std::string& source() const noexcept;
  // "model" for a template the model ships, else the built-in's name ("built-in lfm2.5").
  [[nodiscard]] const std::string& origin() const noexcept;
  [[nodiscard]] const TemplateTokens& tokens() const noexcept;

  struct Impl;

 private:
  explicit ChatTemplate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace npu::genai
