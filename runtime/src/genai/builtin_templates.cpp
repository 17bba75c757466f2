// Built-in chat templates, written for this project in Jinja and run by the same engine as a
// model's own template. They follow the conventions of LFM2, LFM2.5 and ChatML models: the system
// turn first (with the tool list), one "<|im_start|>role\n...<|im_end|>\n" block per message, a
// message's content printed as is (JSON when it is not a string).
#include "builtin_templates.hpp"

namespace npu::genai {
namespace {

constexpr std::string_view kLfm2 = R"JINJA({{- bos_token -}}
{%- set ns = namespace(system="") -%}
{%- set turns = messages -%}
{%- if turns and turns[0].role == "system" -%}
    {%- set ns.system = turns[0].content -%}
    {%- set turns = turns[1:] -%}
{%- endif -%}
{%- if tools -%}
    {%- set ns.system = ns.system ~ ("\n" if ns.system else "") ~ "List of tools: <|tool_list_start|>[" -%}
    {%- for tool in tools -%}
        {%- set ns.system = ns.system ~ (tool if tool is string else tool | tojson) ~ ("" if loop.last else ", ") -%}
    {%- endfor -%}
    {%- set ns.system = ns.system ~ "]<|tool_list_end|>" -%}
{%- endif -%}
{%- if ns.system -%}
    {{- "<|im_start|>system\n" ~ ns.system ~ "<|im_end|>\n" -}}
{%- endif -%}
{%- for m in turns -%}
    {%- set text = m.content if m.content is string else m.content | tojson -%}
    {%- if m.role == "tool" -%}
        {%- set text = "<|tool_response_start|>" ~ text ~ "<|tool_response_end|>" -%}
    {%- endif -%}
    {{- "<|im_start|>" ~ m.role ~ "\n" ~ text ~ "<|im_end|>\n" -}}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- "<|im_start|>assistant\n" -}}
{%- endif -%})JINJA";

constexpr std::string_view kLfm25 = R"JINJA({{- bos_token -}}
{%- set ns = namespace(system="", last_assistant=-1) -%}
{%- set turns = messages -%}
{%- if turns and turns[0].role == "system" -%}
    {%- set ns.system = turns[0].content -%}
    {%- set turns = turns[1:] -%}
{%- endif -%}
{%- if tools -%}
    {%- set ns.system = ns.system ~ ("\n" if ns.system else "") ~ "List of tools: [" -%}
    {%- for tool in tools -%}
        {%- set ns.system = ns.system ~ (tool if tool is string else tool | tojson) ~ ("" if loop.last else ", ") -%}
    {%- endfor -%}
    {%- set ns.system = ns.system ~ "]" -%}
{%- endif -%}
{%- if ns.system -%}
    {{- "<|im_start|>system\n" ~ ns.system ~ "<|im_end|>\n" -}}
{%- endif -%}
{%- for m in turns if m.role == "assistant" -%}
    {%- set ns.last_assistant = loop.length -%}
{%- endfor -%}
{%- set ns.seen_assistants = 0 -%}
{%- for m in turns -%}
    {%- set text = m.content if m.content is string else m.content | tojson -%}
    {%- if m.role == "assistant" -%}
        {%- set ns.seen_assistants = ns.seen_assistants + 1 -%}
        {%- if ns.seen_assistants < ns.last_assistant and not keep_past_thinking and "</think>" in text -%}
            {%- set text = text.split("</think>") | last | trim -%}
        {%- endif -%}
    {%- endif -%}
    {{- "<|im_start|>" ~ m.role ~ "\n" ~ text ~ "<|im_end|>\n" -}}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- "<|im_start|>assistant\n" -}}
{%- endif -%})JINJA";

constexpr std::string_view kChatMl = R"JINJA({%- set ns = namespace(system="") -%}
{%- set turns = messages -%}
{%- if turns and turns[0].role == "system" -%}
    {%- set ns.system = turns[0].content -%}
    {%- set turns = turns[1:] -%}
{%- endif -%}
{%- if tools -%}
    {%- set ns.system = ns.system ~ ("\n" if ns.system else "") ~ "List of tools: [" -%}
    {%- for tool in tools -%}
        {%- set ns.system = ns.system ~ (tool if tool is string else tool | tojson) ~ ("" if loop.last else ", ") -%}
    {%- endfor -%}
    {%- set ns.system = ns.system ~ "]" -%}
{%- endif -%}
{%- if ns.system -%}
    {{- "<|im_start|>system\n" ~ ns.system ~ "<|im_end|>\n" -}}
{%- endif -%}
{%- for m in turns -%}
    {{- "<|im_start|>" ~ m.role ~ "\n" ~ (m.content if m.content is string else m.content | tojson) ~ "<|im_end|>\n" -}}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- "<|im_start|>assistant\n" -}}
{%- endif -%})JINJA";

}  // namespace

std::string_view builtin_template_source(BuiltinTemplate kind) noexcept {
  switch (kind) {
    case BuiltinTemplate::kLfm2: return kLfm2;
    case BuiltinTemplate::kLfm25: return kLfm25;
    case BuiltinTemplate::kChatMl: return kChatMl;
  }
  return kChatMl;
}

}  // namespace npu::genai
