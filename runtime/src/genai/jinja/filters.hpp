// Which filters and tests the engine has: the template compiler checks every name a template uses
// before it is ever rendered. Private to the genai sources.
#pragma once

#include <string_view>

namespace npu::genai::jinja {

[[nodiscard]] bool has_filter(std::string_view name);
[[nodiscard]] bool has_test(std::string_view name);

}  // namespace npu::genai::jinja
