// Jinja's grammar (expressions with Python's precedence, statements for, if, set, macro, call,
// filter, with, break/continue and Hugging Face's generation block) over the lexer's tokens.
// Private to the genai sources.
#pragma once

#include <string_view>

#include "ast.hpp"
#include "lexer.hpp"

namespace npu::genai::jinja {

// Raises TemplateError naming the construct and its line and column for anything it cannot parse
// or that chat templates cannot use (include, import, extends, ...).
[[nodiscard]] Body parse(const Lexed& lexed);

}  // namespace npu::genai::jinja
