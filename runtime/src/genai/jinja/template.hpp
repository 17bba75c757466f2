// A compiled Jinja template: lexed, parsed and checked (every filter and test it names exists)
// once, rendered many times. Private to the genai sources; the public face is genai::ChatTemplate.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "npu/common/error.hpp"
#include "value.hpp"

namespace npu::genai::jinja {

class Template {
 public:
  // kInvalidArgument naming the construct and its line and column when the engine cannot run it.
  [[nodiscard]] static Expected<Template> compile(std::string_view source);
  // kInvalidArgument when rendering fails (an undefined value used, raise_exception(), ...).
  [[nodiscard]] Expected<std::string> render(const std::vector<std::pair<std::string, Value>>& variables) const;

 private:
  struct Compiled;
  explicit Template(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace npu::genai::jinja
