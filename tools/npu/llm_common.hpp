// Shared by `npu generate`, `npu chat` and `npu bench`: opening an LLM on a VDevice (or through
// npud), parsing a token list, the thinking options (--show-reasoning, --on-think-start,
// --on-think-end), and the timing figures of a generation as JSON and as text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "npu/common/seconds.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"

namespace npu::tools {

struct OpenedLlm {
  std::unique_ptr<VDevice> vdevice;
  std::unique_ptr<genai::LLM> llm;
};

// Where an LLM runs: -d/--device, or through the npud daemon (HailoRT's "multi-process service")
// with --multi-process-service [--group-id G]; the socket is $NPU_NPUD_SOCKET or npud's default.
struct DeviceOptions {
  std::string device;
  bool multi_process = false;
  std::string group_id = "SHARED";
};
void add_device_options(CLI::App& cmd, DeviceOptions& options);
[[nodiscard]] Expected<OpenedLlm> open_llm(const std::string& model, const DeviceOptions& where);
// "1,2,3" -> {1, 2, 3}; kInvalidArgument naming the bad element.
[[nodiscard]] Expected<std::vector<genai::TokenId>> parse_token_list(const std::string& text);

// What `npu generate` and `npu chat` do around <think>: show the reasoning or not, and run a
// shell command when the model starts / stops thinking (e.g. to switch a host "turbo mode").
struct ThinkingOptions {
  bool show_reasoning = false;
  std::string on_think_start, on_think_end;
};
void add_thinking_options(CLI::App& cmd, ThinkingOptions& options);
// Hooks that run the commands through /bin/sh on the generating thread (generation waits for
// them); a command that fails is reported on stderr and generation goes on.
[[nodiscard]] genai::LLMHooks think_hook_commands(const ThinkingOptions& options);

// Figures of one generation: modeled TTFT and decode rate, host rates, counts.
[[nodiscard]] nlohmann::json generation_figures(const genai::GenerationStats& stats, const genai::LLMInfo& info);
// What the figures of a device that models its times rest on: a device reporting the device
// profile it models (DeviceIdentity::profile, e.g. the simulator) gives {"relative": spread,
// "evidence": text} from that profile's timing_spread / timing_evidence; null otherwise (hardware
// reports measured times).
[[nodiscard]] nlohmann::json modeled_evidence(const std::string& profile);
// `evidence` with the band of load_s, ttft_s and decode_tokens_per_s of `figures` added.
[[nodiscard]] nlohmann::json modeled_uncertainty(const nlohmann::json& figures, const nlohmann::json& evidence);
void print_uncertainty(const nlohmann::json& uncertainty);
// One compact JSON object per line (JSON Lines), invalid UTF-8 replaced.
void print_json_line(const nlohmann::json& object);
// The figures as lines for a terminal.
void print_generation_figures(const nlohmann::json& figures);

}  // namespace npu::tools
