// `npu bench MODEL.npk [--prompt-tokens N] [--gen-tokens N] [--timing-only] [--sessions N]
// [--trace FILE] [--json]`: modeled load time, time to first token, decode rate, device
// utilisation, DDR bytes per token, bound, energy and host figures of an LLM; with --sessions N,
// N sessions generate at once and the report adds per-session rates, Jain's fairness index and
// the context-switch overhead. Its figures are what the device and driver report.
#include <thread>

#include <fmt/format.h>

#include "npu/common/file.hpp"
#include "npu/driver/profile_data.hpp"

#include "commands.hpp"
#include "llm_common.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct Opts {
  std::string model, trace;
  DeviceOptions where;
  std::optional<std::uint32_t> prompt_tokens;
  std::uint32_t gen_tokens = 32, sessions = 1;
  bool timing_only = false, json = false;
};

struct SessionRun {
  genai::GenerationStats stats;
  std::chrono::nanoseconds wall{0};
  std::uint64_t end_cycle = 0;  // the device clock when this session's generation ended
  std::optional<Error> error;
};

void run_session(VDevice& vdevice, genai::LLM& llm, const std::vector<genai::TokenId>& prompt, const Opts& o,
                 SessionRun& out) {
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = o.timing_only;
  p.max_generated_tokens = o.gen_tokens;
  const auto start = std::chrono::steady_clock::now();
  auto gen = llm.generate(prompt, p);
  if (!gen) {
    out.error = gen.error();
    return;
  }
  while (true) {
    auto ev = gen->read(std::chrono::minutes(10));
    if (!ev) {
      out.error = ev.error();
      return;
    }
    if (ev->kind == genai::OutputKind::kEnd) break;
  }
  out.wall = std::chrono::steady_clock::now() - start;
  out.stats = gen->stats();
  if (auto now = vdevice.stats(0)) out.end_cycle = now->cycles;
}

double jain(const std::vector<double>& x) {
  double sum = 0, sq = 0;
  for (double v : x) sum += v, sq += v * v;
  return sq == 0 ? 0.0 : sum * sum / (static_cast<double>(x.size()) * sq);
}

// Per-layer figures of one subnet's op records, per run of that subnet.
nlohmann::json layer_report(std::span<const abi::ProfileRecord> records, std::uint32_t context, double runs,
                            double clock_hz) {
  nlohmann::json out = nlohmann::json::array();
  runs = std::max(runs, 1.0);
  for (const auto& l : driver::summarize_layers(records, context)) {
    nlohmann::json e = {{"ops", static_cast<double>(l.ops) / runs},
                        {"seconds", clock_hz > 0 ? static_cast<double>(l.cycles) / runs / clock_hz : 0.0},
                        {"cycles", static_cast<double>(l.cycles) / runs},
                        {"compute_cycles", static_cast<double>(l.compute_cycles) / runs},
                        {"memory_cycles", static_cast<double>(l.memory_cycles) / runs},
                        {"ddr_bytes", static_cast<double>(l.bytes) / runs},
                        {"energy_j", l.energy_j / runs},
                        {"bound", l.memory_bound() ? "memory" : "compute"}};
    if (l.layer == abi::kProfileNoLayer) e["layer"] = nullptr;
    else e["layer"] = l.layer;
    out.push_back(std::move(e));
  }
  return out;
}

// The context id named `name` ("prefill", "tbt"), or all contexts.
std::uint32_t context_id(const std::vector<std::pair<std::uint32_t, std::string>>& names, const char* name) {
  for (const auto& [id, n] : names)
    if (n == name) return id;
  return 0xffffffffu;
}

Expected<nlohmann::json> bench(const Opts& o) {
  NPU_TRY_ASSIGN(auto opened, open_llm(o.model, o.where));
  auto& first = *opened.llm;
  const auto& info = first.info();
  const std::uint32_t n_prompt = o.prompt_tokens.value_or(info.prefill_chunk);
  if (n_prompt == 0 || n_prompt + o.gen_tokens > info.context_length) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("--prompt-tokens {} + --gen-tokens {} must be 1..{} (the model's context)",
                            n_prompt, o.gen_tokens, info.context_length));
  }
  std::vector<genai::TokenId> prompt(n_prompt);
  for (std::uint32_t i = 0; i < n_prompt; ++i) prompt[i] = static_cast<genai::TokenId>((i * 7919u + 11u) % info.vocab);
  std::vector<std::unique_ptr<genai::LLM>> extra;
  std::vector<genai::LLM*> sessions{&first};
  for (std::uint32_t i = 1; i < o.sessions; ++i) {
    NPU_TRY_ASSIGN(auto s, first.create_session());
    sessions.push_back(s.get());
    extra.push_back(std::move(s));
  }
  NPU_TRY_ASSIGN(auto before, opened.vdevice->stats(0));
  // The device's profile gives the per-layer report (and the trace); firmware without profiling
  // (ABI < 1.1) still benches, without them.
  auto started = first.start_device_profile();
  const bool profiling = started.has_value();
  if (!profiling && !o.trace.empty()) {
    return fail(started.error().with_context("--trace: no device profile (run without --trace)"));
  }
  std::vector<SessionRun> runs(sessions.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      threads.emplace_back([&, i] { run_session(*opened.vdevice, *sessions[i], prompt, o, runs[i]); });
    }
  }
  NPU_TRY_ASSIGN(auto after, opened.vdevice->stats(0));
  for (const auto& r : runs) {
    if (r.error) return fail(*r.error);
  }
  driver::ProfileData profile;
  if (profiling) {
    NPU_TRY_ASSIGN(profile, first.read_device_profile());
  }
  const auto& s = runs[0].stats;
  auto j = generation_figures(s, info);
  const double tokens = std::max<double>(s.tbt_runs, 1);
  j["model"] = info.name;
  j["timing_only"] = o.timing_only;
  j["device_utilisation"] = s.decode_cycles == 0 ? 0.0 : static_cast<double>(s.decode_compute_cycles) / static_cast<double>(s.decode_cycles);
  j["ddr_bytes_per_token"] = static_cast<double>(s.decode_ddr_bytes) / tokens;
  j["decode_bound"] = s.decode_compute_cycles >= s.decode_dma_cycles ? "compute" : "memory";
  // Energy the device reports for the decode runs (static power over them plus their work).
  if (s.decode_energy_j > 0) j["energy_j_per_token"] = s.decode_energy_j / tokens;
  else j["energy_j_per_token"] = nullptr;  // firmware before ABI 1.1 reports no energy
  j["energy_j"] = s.device_energy_j;
  j["device_energy_j_total"] = after.energy_j;
  const double clock_hz = opened.vdevice->identity(0).clock_khz * 1e3;
  if (profiling) {
    const auto contexts = first.device_contexts();
    j["decode_layers"] = layer_report(profile.records, context_id(contexts, "tbt"), s.tbt_runs, clock_hz);
    j["prefill_layers"] = layer_report(profile.records, context_id(contexts, "prefill"), s.prefill_runs, clock_hz);
    j["profile_records"] = profile.records.size();
    j["profile_dropped"] = profile.dropped;
    if (!o.trace.empty()) {
      const auto& id = opened.vdevice->identity(0);
      NPU_TRY(write_file_atomic(o.trace, driver::chrome_trace_json(profile, id.board_name, contexts)));
      j["trace"] = o.trace;
    }
  }
  j["host_stack_s_per_token"] = seconds(s.host_step) / std::max<double>(s.tbt_runs + s.prefill_runs, 1);
  if (const auto evidence = modeled_evidence(opened.vdevice->identity(0).profile); evidence.is_object()) {
    j["uncertainty"] = modeled_uncertainty(j, evidence);
  }
  if (o.sessions > 1) {
    nlohmann::json per = nlohmann::json::array();
    std::vector<double> rates;
    std::uint64_t step_cycles = 0;
    // Fairness on the device's clock (deterministic, unlike host wall time): each session's rate
    // is its tokens over the device time from the start until its generation ended. Sessions served
    // in turn all end in the last round (index ~1); served one after another, they end far apart.
    for (const auto& r : runs) {
      const double rate = r.wall.count() == 0 ? 0.0 : r.stats.generated_tokens / seconds(r.wall);
      const double span_s = r.end_cycle > before.cycles ? static_cast<double>(r.end_cycle - before.cycles) / clock_hz : 0.0;
      const double device_rate = span_s > 0 ? r.stats.generated_tokens / span_s : 0.0;
      rates.push_back(device_rate);
      step_cycles += r.stats.device_cycles;
      per.push_back({{"tokens_per_s", rate}, {"device_tokens_per_s", device_rate},
                     {"decode_tokens_per_s", r.stats.device_decode_tokens_per_s()},
                     {"generated_tokens", r.stats.generated_tokens}});
    }
    j["sessions"] = per;
    j["jain_fairness"] = jain(rates);
    j["context_switches"] = after.context_switches - before.context_switches;
    const std::uint64_t busy = after.busy_cycles - before.busy_cycles;
    j["context_switch_overhead_cycles"] = busy > step_cycles ? busy - step_cycles : 0;
    j["context_switch_overhead_fraction"] = busy == 0 || busy < step_cycles ? 0.0 : static_cast<double>(busy - step_cycles) / static_cast<double>(busy);
  }
  return j;
}

void print_text(const nlohmann::json& j) {
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
    for (std::size_t i = 0; i < j["sessions"].size(); ++i) {
      fmt::print("session {:3}               {:10.1f} tokens/s (host)\n", i, j["sessions"][i]["tokens_per_s"].get<double>());
    }
    fmt::print("Jain fairness             {:10.3f}\n", j["jain_fairness"].get<double>());
    fmt::print("context switches          {:10}   overhead {:.1f} % of busy cycles\n",
               j["context_switches"].get<std::uint64_t>(), 100 * j["context_switch_overhead_fraction"].get<double>());
  }
}

}  // namespace

void add_bench_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("bench", "Benchmark an LLM: modeled load, TTFT, decode rate, fairness");
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Compiled LLM (.npk)");
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
    else print_text(*r);
  });
}

}  // namespace npu::tools
