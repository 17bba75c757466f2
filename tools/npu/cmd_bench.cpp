// `npu bench MODEL.npk|MODEL.hef [--prompt-tokens N] [--gen-tokens N] [--timing-only] [--sessions N]
// [--trace FILE] [--json]`: modeled load time, time to first token, decode rate, device
// utilisation, DDR bytes per token, bound, energy and host figures of an LLM; with --sessions N,
// N sessions generate at once and the report adds per-session rates, Jain's fairness index and
// the context-switch overhead. The figures come from genai::bench (the runtime); this prints them.
// On a device that reports no timings (a .hef through HailoRT) it prints the host's figures.
#include <fmt/format.h>

#include "npu/common/file.hpp"
#include "npu/genai/llm_bench.hpp"

#include "commands.hpp"
#include "llm_common.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct BenchOpts {
  std::string model, trace;
  DeviceOptions where;
  std::optional<std::uint32_t> prompt_tokens;
  std::uint32_t gen_tokens = 32, sessions = 1;
  bool timing_only = false, json = false;
};

nlohmann::json layers_json(const std::vector<genai::LayerFigures>& layers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : layers) {
    nlohmann::json e = {{"ops", l.ops},
                        {"seconds", l.seconds},
                        {"cycles", l.cycles},
                        {"compute_cycles", l.compute_cycles},
                        {"memory_cycles", l.memory_cycles},
                        {"ddr_bytes", l.ddr_bytes},
                        {"energy_j", l.energy_j},
                        {"bound", l.memory_bound ? "memory" : "compute"}};
    if (l.layer == kNoLayer) e["layer"] = nullptr;
    else e["layer"] = l.layer;
    out.push_back(std::move(e));
  }
  return out;
}

Expected<nlohmann::json> bench(const BenchOpts& o) {
  NPU_TRY_ASSIGN(auto opened, open_llm(o.model, o.where));
  const auto& info = opened.llm->info();
  genai::BenchOptions options;
  options.prompt_tokens = o.prompt_tokens;
  options.gen_tokens = o.gen_tokens;
  options.sessions = o.sessions;
  options.timing_only = o.timing_only;
  options.trace = !o.trace.empty();
  NPU_TRY_ASSIGN(auto report, genai::bench(*opened.vdevice, *opened.llm, options));
  const auto& s = report.sessions[0].stats;
  auto j = generation_figures(s, info);
  const double tokens = std::max<double>(s.tbt_runs, 1);
  j["model"] = info.name;
  j["device"] = opened.vdevice->identity(0).info.id;
  j["timing_only"] = o.timing_only;
  j["device_utilisation"] = s.decode_cycles == 0 ? 0.0 : static_cast<double>(s.decode_compute_cycles) / static_cast<double>(s.decode_cycles);
  j["ddr_bytes_per_token"] = static_cast<double>(s.decode_ddr_bytes) / tokens;
  j["decode_bound"] = s.decode_compute_cycles >= s.decode_dma_cycles ? "compute" : "memory";
  // Energy the device reports for the decode runs (static power over them plus their work).
  if (s.decode_energy_j > 0) j["energy_j_per_token"] = s.decode_energy_j / tokens;
  else j["energy_j_per_token"] = nullptr;  // firmware before ABI 1.1 reports no energy
  j["energy_j"] = s.device_energy_j;
  j["device_energy_j_total"] = report.after.energy_j;
  if (report.profiled) {
    j["decode_layers"] = layers_json(report.decode_layers);
    j["prefill_layers"] = layers_json(report.prefill_layers);
    j["profile_records"] = report.profile_records;
    j["profile_dropped"] = report.profile_dropped;
    if (!o.trace.empty()) {
      NPU_TRY(write_file_atomic(o.trace, report.trace_json));
      j["trace"] = o.trace;
    }
  }
  j["host_stack_s_per_token"] = seconds(s.host_step) / std::max<double>(s.tbt_runs + s.prefill_runs, 1);
  if (const auto evidence = modeled_evidence(opened.vdevice->identity(0).profile); evidence.is_object()) {
    j["uncertainty"] = modeled_uncertainty(j, evidence);
  }
  if (o.sessions > 1) {
    nlohmann::json per = nlohmann::json::array();
    for (const auto& r : report.sessions) {
      per.push_back({{"tokens_per_s", r.host_tokens_per_s}, {"device_tokens_per_s", r.device_tokens_per_s},
                     {"decode_tokens_per_s", r.stats.device_decode_tokens_per_s()},
                     {"generated_tokens", r.stats.generated_tokens}});
    }
    j["sessions"] = per;
    j["jain_fairness"] = report.jain_fairness;
    j["context_switches"] = report.context_switches;
    j["context_switch_overhead_cycles"] = report.switch_overhead_cycles;
    j["context_switch_overhead_fraction"] = report.switch_overhead_fraction;
  }
  return j;
}

void print_sessions(const nlohmann::json& j) {
  for (std::size_t i = 0; i < j["sessions"].size(); ++i) {
    fmt::print("session {:3}               {:10.1f} tokens/s (host)\n", i, j["sessions"][i]["tokens_per_s"].get<double>());
  }
}

// A device that reports no timings (a Hailo through HailoRT): what the host measured.
void print_host_only(const nlohmann::json& j) {
  fmt::print("model: {} on {} (the device reports no timings: host-measured figures)\n", j["model"].get<std::string>(),
             j["device"].get<std::string>());
  fmt::print("prompt                    {:10} tokens\n", j["prompt_tokens"].get<std::uint32_t>());
  fmt::print("load                      {:10.3f} s\n", j["host_load_s"].get<double>());
  fmt::print("time to first token       {:10.4f} s\n", j["host_ttft_s"].get<double>());
  fmt::print("decode                    {:10.2f} tokens/s   ({} tokens)\n", j["host_decode_tokens_per_s"].get<double>(),
             j["generated_tokens"].get<std::uint32_t>());
  if (j.contains("sessions")) print_sessions(j);
}

void print_bench_text(const nlohmann::json& j) {
  if (!j["device_figures"].get<bool>()) {
    print_host_only(j);
    return;
  }
  fmt::print("model: {}{}\n", j["model"].get<std::string>(), j["timing_only"].get<bool>() ? " (timing only)" : "");
  fmt::print("load (modeled)            {:10.3f} s\n", j["load_s"].get<double>());
  fmt::print("time to first token       {:10.4f} s   (host {:.4f} s)\n", j["ttft_s"].get<double>(), j["host_ttft_s"].get<double>());
  fmt::print("decode                    {:10.2f} tokens/s   (host {:.1f} tokens/s)\n",
             j["decode_tokens_per_s"].get<double>(), j["host_decode_tokens_per_s"].get<double>());
  fmt::print("device utilisation        {:10.1f} %   decode is {}-bound\n", 100 * j["device_utilisation"].get<double>(),
             j["decode_bound"].get<std::string>());
  fmt::print("DDR bytes per token       {:10.0f}\n", j["ddr_bytes_per_token"].get<double>());
  if (j["energy_j_per_token"].is_null()) fmt::print("energy per token          not reported by this device\n");
  else fmt::print("energy per token          {:10.4f} J   ({:.2f} W while decoding)\n", j["energy_j_per_token"].get<double>(),
                  j["energy_j_per_token"].get<double>() * j["decode_tokens_per_s"].get<double>());
  fmt::print("device cycles             {:10}\n", j["device_cycles"].get<std::uint64_t>());
  if (j.contains("uncertainty")) print_uncertainty(j["uncertainty"]);
  if (j.contains("decode_layers")) {
    fmt::print("decode per token, by layer:\n  layer      ms   DDR MB  bound\n");
    for (const auto& l : j["decode_layers"]) {
      fmt::print("  {:>5} {:7.3f} {:8.2f}  {}\n", l["layer"].is_null() ? std::string("other") : std::to_string(l["layer"].get<std::uint32_t>()),
                 l["seconds"].get<double>() * 1e3, l["ddr_bytes"].get<double>() / 1e6, l["bound"].get<std::string>());
    }
  }
  if (j.contains("trace")) fmt::print("trace written to {}\n", j["trace"].get<std::string>());
  if (j.contains("jain_fairness")) {
    print_sessions(j);
    fmt::print("Jain fairness             {:10.3f}\n", j["jain_fairness"].get<double>());
    fmt::print("context switches          {:10}   overhead {:.1f} % of busy cycles\n",
               j["context_switches"].get<std::uint64_t>(), 100 * j["context_switch_overhead_fraction"].get<double>());
  }
}

}  // namespace

void add_bench_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("bench", "Benchmark an LLM: modeled load, TTFT, decode rate, fairness");
  auto o = std::make_shared<BenchOpts>();
  cmd->add_option("model", o->model, "Compiled LLM (.npk; .hef on a Hailo device through HailoRT)");
  add_bench_serve_command(*cmd, ctx);
  add_device_options(*cmd, o->where);
  cmd->add_option("--prompt-tokens", o->prompt_tokens, "Prompt length (default: one prefill chunk)");
  cmd->add_option("--gen-tokens", o->gen_tokens, "Tokens to generate")->check(CLI::Range(1u, 1000000u));
  cmd->add_flag("--timing-only", o->timing_only, "The device skips the values (modeled time only)");
  cmd->add_option("--sessions", o->sessions, "Sessions generating at once")->check(CLI::Range(1u, 64u));
  cmd->add_option("--trace", o->trace, "Write a Chrome/Perfetto trace of the device (chrome://tracing, ui.perfetto.dev)");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([&ctx, o, cmd] {
    if (cmd->got_subcommand("serve")) return;  // `npu bench serve` ran instead
    if (o->model.empty()) {
      ctx.exit_code = report_error("bench", Error(ErrorCode::kInvalidArgument, "give a model: npu bench MODEL.npk (or npu bench serve)"));
      return;
    }
    auto r = bench(*o);
    if (!r) {
      ctx.exit_code = report_error("bench", r.error());
      return;
    }
    if (o->json) print_json(*r);
    else print_bench_text(*r);
  });
}

}  // namespace npu::tools
