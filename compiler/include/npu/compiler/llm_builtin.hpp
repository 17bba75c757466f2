// Data built into the compiler so that the installed product needs no source tree: the shapes
// (Hugging Face config.json form) of the models npustack targets, for `npu compile --synthetic
// NAME`, and the default calibration text (reasoning traces with <think> sections).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace npu::compiler::llm {

struct BuiltinModel {
  std::string_view name;         // canonical, e.g. "lfm2.5-1.2b"
  std::string_view description;
  std::string_view config_json;  // Hugging Face config.json text
};

[[nodiscard]] const std::vector<BuiltinModel>& builtin_models();
// By canonical name or alias ("lfm2.5-1.2b-thinking", "qwen2-1.5b-instruct", ...), case-insensitive.
[[nodiscard]] std::optional<BuiltinModel> find_builtin_model(std::string_view name);
// "lfm2.5-1.2b, lfm2-350m, qwen2-1.5b" for messages.
[[nodiscard]] std::string builtin_model_names();

[[nodiscard]] std::string_view default_calibration_text();

}  // namespace npu::compiler::llm
