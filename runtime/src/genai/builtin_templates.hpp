// The Jinja sources of the built-in chat templates (for models that carry none). Private.
#pragma once

#include <string_view>

#include "npu/genai/chat_template.hpp"

namespace npu::genai {

[[nodiscard]] std::string_view builtin_template_source(BuiltinTemplate kind) noexcept;

}  // namespace npu::genai
