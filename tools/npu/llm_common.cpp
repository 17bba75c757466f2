#include "llm_common.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "npu/common/file.hpp"
#include "npu/common/profile_path.hpp"

namespace npu::tools {

void add_device_options(CLI::App& cmd, DeviceOptions& options) {
  cmd.add_option("-d,--device", options.device, "Device id from `npu scan`: sim:N, pcie:..., hailo:... "
                 "(default: a usable accelerator, else the simulator)");
  cmd.add_flag("--multi-process-service", options.multi_process,
               "Run through the npud daemon, which shares the device with other processes "
               "(socket: $NPU_NPUD_SOCKET, else /run/npustack/npud.sock)");
  cmd.add_option("--group-id", options.group_id,
                 "With --multi-process-service: the device group to join (default SHARED; UNIQUE = private)")
      ->needs("--multi-process-service");
}

Expected<OpenedLlm> open_llm(const std::string& model, const DeviceOptions& where) {
  VDeviceParams params;
  if (!where.device.empty()) params.device_ids = {where.device};
  params.multi_process = where.multi_process;
  params.group_id = where.group_id;
  OpenedLlm out;
  NPU_TRY_ASSIGN(out.vdevice, VDevice::create(params));
  NPU_TRY_ASSIGN(out.llm, genai::LLM::create(*out.vdevice, {.model_path = model}));
  return out;
}

Expected<std::vector<genai::TokenId>> parse_token_list(const std::string& text) {
  std::vector<genai::TokenId> tokens;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string_view item(text.data() + pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    genai::TokenId id = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || id < 0) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("--tokens '{}': '{}' is not a token id (expected e.g. --tokens 1,2,3)", text, item));
    }
    tokens.push_back(id);
    pos = comma + 1;
  }
  return tokens;
}

void add_thinking_options(CLI::App& cmd, ThinkingOptions& options) {
  cmd.add_flag("--show-reasoning", options.show_reasoning, "Show the text inside <think>...</think>");
  cmd.add_option("--on-think-start", options.on_think_start,
                 "Shell command run when the model starts thinking (generation waits for it)");
  cmd.add_option("--on-think-end", options.on_think_end, "Shell command run when it stops thinking");
}

namespace {
void run_hook_command(const std::string& command) {
  if (command.empty()) return;
  std::fflush(stdout);  // what was printed so far comes before the command's own output
  const int rc = std::system(command.c_str());
  if (rc != 0) fmt::print(stderr, "npu: think hook '{}' exited with status {}\n", command, rc);
}
}  // namespace

genai::LLMHooks think_hook_commands(const ThinkingOptions& options) {
  genai::LLMHooks hooks;
  if (!options.on_think_start.empty()) {
    hooks.on_think_start = [cmd = options.on_think_start] { run_hook_command(cmd); };
  }
  if (!options.on_think_end.empty()) {
    hooks.on_think_end = [cmd = options.on_think_end] { run_hook_command(cmd); };
  }
  return hooks;
}

void print_json_line(const nlohmann::json& object) {
  std::string line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

nlohmann::json modeled_evidence(const std::string& profile) {
  if (profile.empty()) return nullptr;
  auto path = find_device_profile(profile);
  if (!path) return nullptr;
  auto text = read_text_file(*path);
  if (!text) return nullptr;
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  auto value = [&](const char* key) -> const nlohmann::json* {
    if (!doc.is_object() || !doc.contains("params") || !doc["params"].contains(key)) return nullptr;
    const auto& e = doc["params"][key];
    return e.is_object() && e.contains("value") ? &e["value"] : nullptr;
  };
  const auto* spread = value("timing_spread");
  const auto* evidence = value("timing_evidence");
  if (spread == nullptr || !spread->is_number() || evidence == nullptr || !evidence->is_string()) {
    // A profile that names a base inherits them: the base's evidence.
    if (doc.is_object() && doc.contains("base") && doc["base"].is_string()) return modeled_evidence(doc["base"].get<std::string>());
    return nullptr;
  }
  return {{"relative", spread->get<double>()}, {"evidence", evidence->get<std::string>()}};
}

nlohmann::json modeled_uncertainty(const nlohmann::json& figures, const nlohmann::json& evidence) {
  nlohmann::json u = evidence;
  const double spread = evidence["relative"].get<double>();
  for (const char* key : {"load_s", "ttft_s", "decode_tokens_per_s"}) {
    if (!figures.contains(key) || !figures[key].is_number()) continue;
    const double v = figures[key].get<double>();
    u[key] = {v * (1 - spread), v * (1 + spread)};
  }
  return u;
}

void print_uncertainty(const nlohmann::json& u) {
  const double pct = 100 * u["relative"].get<double>();
  fmt::print("modeled figures           +-{:.0f} %", pct);
  if (u.contains("decode_tokens_per_s")) {
    fmt::print("   (decode {:.2f}..{:.2f} tokens/s)", u["decode_tokens_per_s"][0].get<double>(),
               u["decode_tokens_per_s"][1].get<double>());
  }
  fmt::print("\n  resting on: {}\n", u["evidence"].get<std::string>());
}

nlohmann::json generation_figures(const genai::GenerationStats& s, const genai::LLMInfo& info) {
  const double host_tokens = s.generated_tokens > 1 && s.host_decode.count() > 0
                                 ? (s.generated_tokens - 1) / seconds(s.host_decode) : 0.0;
  return nlohmann::json{
      {"prompt_tokens", s.prompt_tokens},
      {"generated_tokens", s.generated_tokens},
      {"load_s", seconds(info.load_device_time)},
      {"host_load_s", seconds(info.load_host_time)},
      {"ttft_s", seconds(s.device_ttft)},
      {"decode_tokens_per_s", s.device_decode_tokens_per_s()},
      {"host_ttft_s", seconds(s.host_ttft)},
      {"host_decode_tokens_per_s", host_tokens},
      {"host_stack_s", seconds(s.host_step)},
      {"device_cycles", s.device_cycles},
      {"ddr_bytes", s.ddr_bytes},
      // Energy the device reports (modeled on the simulator); null from firmware without it.
      {"energy_j", s.device_energy_j > 0 ? nlohmann::json(s.device_energy_j) : nlohmann::json(nullptr)},
      {"energy_j_per_token", s.decode_energy_j > 0 && s.tbt_runs > 0
                                 ? nlohmann::json(s.decode_energy_j / s.tbt_runs)
                                 : nlohmann::json(nullptr)},
      {"synthetic_weights", info.synthetic},
      // Whether the device reported its own timings (the simulator and npustack's devices do;
      // HailoRT does not: then only the host_* figures are measured).
      {"device_figures", s.device_ttft.count() > 0 || s.device_decode.count() > 0 || info.load_device_time.count() > 0},
  };
}

void print_generation_figures(const nlohmann::json& f) {
  fmt::print("\n--\nprompt {} tokens, generated {}\n", f["prompt_tokens"].get<std::uint32_t>(),
             f["generated_tokens"].get<std::uint32_t>());
  if (f["device_figures"].get<bool>()) {
    fmt::print("device (modeled): load {:.3f} s, time to first token {:.4f} s, decode {:.2f} tokens/s\n",
               f["load_s"].get<double>(), f["ttft_s"].get<double>(), f["decode_tokens_per_s"].get<double>());
  } else {
    fmt::print("device: reports no timings (figures below are the host's)\n");
  }
  fmt::print("host: load {:.3f} s, time to first token {:.4f} s, {:.1f} tokens/s\n", f["host_load_s"].get<double>(),
             f["host_ttft_s"].get<double>(), f["host_decode_tokens_per_s"].get<double>());
  if (f["energy_j"].is_number()) {
    fmt::print("energy (modeled): {:.3f} J in all", f["energy_j"].get<double>());
    if (f["energy_j_per_token"].is_number())
      fmt::print(", {:.1f} mJ per generated token", f["energy_j_per_token"].get<double>() * 1e3);
    fmt::print("\n");
  } else {
    fmt::print("energy: not reported by this device\n");
  }
  if (f["synthetic_weights"].get<bool>()) fmt::print("(synthetic weights: the text is meaningless)\n");
}

}  // namespace npu::tools
