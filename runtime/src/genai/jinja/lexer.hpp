// Jinja's lexer as Hugging Face configures it for chat templates (trim_blocks and lstrip_blocks
// on, a single trailing newline dropped, "\r\n" and "\r" read as "\n"): template text -> tokens.
// Whitespace control: "{%-"/"{{-"/"{#-" strip all whitespace before the tag, "-%}"/"-}}"/"-#}"
// all whitespace after it; "{%+" keeps what lstrip_blocks would strip, "+%}" keeps the newline
// trim_blocks would remove. {% raw %}...{% endraw %} is data. Private to the genai sources.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace npu::genai::jinja {

enum class TokenKind : std::uint8_t {
  kData,        // template text, output as is
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // text: the decoded value
  kInteger,     // number: the value
  kFloat,
  kOperator,    // text: + - * / // % ** ~ == != < > <= >= = ( ) [ ] { } , . : | ;
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string text;
  std::int64_t integer = 0;
  double number = 0.0;
  std::size_t offset = 0;  // into the normalized source, for "line L, column C" in errors
};

struct Lexed {
  std::string source;  // newlines normalized, as offsets refer to it
  std::vector<Token> tokens;
};

// Raises TemplateError (with the line and column) on text Jinja's lexer refuses.
[[nodiscard]] Lexed lex(std::string_view template_text);

// "line L, column C" of an offset into `source`.
[[nodiscard]] std::string describe_position(std::string_view source, std::size_t offset);

}  // namespace npu::genai::jinja
