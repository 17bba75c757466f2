// `npu predict CONFIG.json|NAME [...] [--profile P] [--context N] [--policy P] [--prompt-tokens N]...
// [--json]`: "predict before you buy". Compiles each model's shapes (timing-only: no weights) for a
// simulated device of profile P, runs it through the whole stack timing-only and prints, side by
// side, the modeled load time, TTFT per prompt length, decode rate at a short and a long context,
// device memory, energy per token and what bounds each figure. A model that does not fit the
// device's memory is reported as such, with the numbers.
#include <cstdlib>
#include <unistd.h>

#include <fmt/format.h>

#include "npu/compiler/llm_builtin.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/model_weights.hpp"

#include "commands.hpp"
#include "llm_common.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct PredictOpts {
  std::vector<std::string> models;
  std::string profile = "hailo10h", policy = "w4a8";
  std::uint32_t context = 2048, chunk = 96, gen_tokens = 4;
  std::vector<std::uint32_t> prompts;
  bool json = false;
};

struct Npk {
  std::filesystem::path path;
  ~Npk() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

// Generates `gen` tokens after `prompt_tokens` synthetic tokens, timing-only, from an empty context.
Expected<genai::GenerationStats> run(genai::LLM& llm, std::uint32_t prompt_tokens, std::uint32_t gen) {
  NPU_TRY(llm.clear_context());
  const auto vocab = llm.info().vocab;
  std::vector<genai::TokenId> prompt(prompt_tokens);
  for (std::uint32_t i = 0; i < prompt_tokens; ++i) prompt[i] = static_cast<genai::TokenId>((i * 7919u + 11u) % vocab);
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = true;
  p.max_generated_tokens = gen;
  NPU_TRY_ASSIGN(auto g, llm.generate(prompt, p));
  while (true) {
    NPU_TRY_ASSIGN(auto ev, g.read(std::chrono::minutes(10)));
    if (ev.kind == genai::OutputKind::kEnd) break;
  }
  return g.stats();
}

const char* bound(std::uint64_t compute_cycles, std::uint64_t memory_cycles) {
  return compute_cycles >= memory_cycles ? "compute" : "memory";
}

nlohmann::json decode_figures(const genai::GenerationStats& s) {
  const double tokens = std::max<double>(s.tbt_runs, 1);
  return {{"position", s.prompt_tokens},
          {"tokens_per_s", s.device_decode_tokens_per_s()},
          {"energy_j_per_token", s.decode_energy_j / tokens},
          {"ddr_bytes_per_token", static_cast<double>(s.decode_ddr_bytes) / tokens},
          {"bound", bound(s.decode_compute_cycles, s.decode_dma_cycles)}};
}

Expected<nlohmann::json> predict_one(VDevice& vdevice, const std::string& model, const PredictOpts& o) {
  using namespace compiler::llm;
  nlohmann::json j{{"model", model}};
  NPU_TRY_ASSIGN(LoadedLlm loaded, load_llm_synthetic(model));
  j["shape"] = loaded.source.config.summary();
  // All parameters, and those one token uses: of routed experts' tensors (ggml shape [.., .., E])
  // only the k of E a token is routed to.
  const compiler::ModelConfig& cfg = loaded.source.config;
  double parameters = 0, active = 0;
  for (const auto& t : compiler::expected_tensors(cfg)) {
    double n = 1;
    for (auto d : t.shape) n *= static_cast<double>(d);
    parameters += n;
    const bool experts = t.name.ends_with("_exps.weight");
    active += experts ? n * cfg.experts_per_token / cfg.n_experts : n;
  }
  j["parameters"] = parameters;
  j["active_parameters"] = active;
  LlmCompileOptions opts;
  NPU_TRY_ASSIGN(opts.policy, load_policy(o.policy));
  NPU_TRY_ASSIGN(opts.device, load_device_memory(o.profile));
  opts.context_length = std::min(o.context, loaded.source.config.context_length == 0 ? o.context
                                                                                       : loaded.source.config.context_length);
  opts.prefill_chunk = std::min(o.chunk, opts.context_length);
  opts.timing_only = true;
  const std::uint64_t capacity = opts.device.ddr_bytes;
  opts.device.ddr_bytes = ~std::uint64_t{0} >> 1;  // plan without the limit, to report what it needs
  NPU_TRY_ASSIGN(CompiledLlm m, compile_llm(loaded.source, opts));
  j["context"] = m.layout.context_length;
  j["prefill_chunk"] = m.layout.prefill_chunk;
  const auto& seg = m.layout.segments;
  j["device_memory"] = {{"bytes", m.allocation.ddr_used}, {"capacity", capacity},
                        {"weights", seg.weights}, {"state", seg.state}, {"scratch", seg.scratch + seg.io}};
  if (m.allocation.ddr_used > capacity) {
    j["fits"] = false;
    j["note"] = fmt::format("needs {:.2f} GB of device memory (weights {:.2f} GB, KV cache and state {:.2f} GB) but "
                            "{} has {:.2f} GB; try a smaller --context or a lower-precision --policy",
                            m.allocation.ddr_used / 1e9, seg.weights / 1e9, seg.state / 1e9, o.profile, capacity / 1e9);
    return j;
  }
  j["fits"] = true;
  Npk npk{std::filesystem::temp_directory_path() / fmt::format("npu_predict_{}.npk", ::getpid())};
  NPU_TRY(write_llm_npk(m, npk.path));
  NPU_TRY_ASSIGN(auto llm, genai::LLM::create(vdevice, {.model_path = npk.path}));
  j["load_s"] = seconds(llm->info().load_device_time);
  j["load_bound"] = "host link + placement";

  const std::uint32_t ctx = m.layout.context_length;
  nlohmann::json ttft = nlohmann::json::array();
  for (std::uint32_t p : o.prompts) {
    if (p == 0 || p >= ctx) continue;
    NPU_TRY_ASSIGN(auto s, run(*llm, p, 1));
    ttft.push_back({{"prompt_tokens", p}, {"ttft_s", seconds(s.device_ttft)}});
  }
  j["ttft"] = ttft;
  const std::uint32_t gen = std::max<std::uint32_t>(o.gen_tokens, 2);
  NPU_TRY_ASSIGN(auto short_run, run(*llm, std::min(m.layout.prefill_chunk, ctx - gen), gen));
  NPU_TRY_ASSIGN(auto long_run, run(*llm, ctx - gen, gen));
  j["decode_short"] = decode_figures(short_run);
  j["decode_long"] = decode_figures(long_run);
  return j;
}

std::string fmt_or(const nlohmann::json& j, const char* key, const char* spec_fmt) {
  if (!j.contains(key) || !j[key].is_number()) return "-";
  return fmt::format(fmt::runtime(spec_fmt), j[key].get<double>());
}

struct Prediction {
  std::vector<nlohmann::json> rows;
  nlohmann::json uncertainty;  // the device's modeled spread and evidence
};

void print_table(const Prediction& pr, const PredictOpts& o) {
  const auto& rows = pr.rows;
  fmt::print("Predicted on profile {} (policy {}, timing-only; modeled figures, see docs/simulator.md)\n\n",
             o.profile, o.policy);
  std::vector<std::pair<std::string, std::vector<std::string>>> lines;
  auto line = [&](std::string label, auto value) {
    std::vector<std::string> cells;
    for (const auto& r : rows) cells.push_back(value(r));
    lines.emplace_back(std::move(label), std::move(cells));
  };
  line("model", [](const nlohmann::json& r) { return r["model"].get<std::string>(); });
  line("parameters", [](const nlohmann::json& r) {
    if (!r.contains("parameters")) return std::string("-");
    const double all = r["parameters"].get<double>(), active = r["active_parameters"].get<double>();
    return active < all ? fmt::format("{:.2f} B ({:.2f} B active)", all / 1e9, active / 1e9)
                        : fmt::format("{:.2f} B", all / 1e9);
  });
  line("device memory", [](const nlohmann::json& r) {
    if (!r.contains("device_memory")) return std::string("-");
    const auto& m = r["device_memory"];
    return fmt::format("{:.2f}/{:.1f} GB{}", m["bytes"].get<double>() / 1e9, m["capacity"].get<double>() / 1e9,
                       r["fits"].get<bool>() ? "" : " NO FIT");
  });
  line("load", [](const nlohmann::json& r) { return fmt_or(r, "load_s", "{:.2f} s"); });
  for (std::uint32_t p : o.prompts) {
    line(fmt::format("TTFT {} tok", p), [p](const nlohmann::json& r) {
      if (!r.contains("ttft")) return std::string("-");
      for (const auto& t : r["ttft"])
        if (t["prompt_tokens"].get<std::uint32_t>() == p)
          return fmt::format("{:.3f} s", t["ttft_s"].get<double>());
      return std::string("-");
    });
  }
  for (const char* which : {"decode_short", "decode_long"}) {
    line(std::string(which) == "decode_short" ? "decode, short ctx" : "decode, long ctx", [which](const nlohmann::json& r) {
      if (!r.contains(which)) return std::string("-");
      const auto& d = r[which];
      return fmt::format("{:.2f} tok/s @{} ({})", d["tokens_per_s"].get<double>(), d["position"].get<std::uint32_t>(),
                         d["bound"].get<std::string>());
    });
  }
  line("energy / token", [](const nlohmann::json& r) {
    if (!r.contains("decode_short")) return std::string("-");
    return fmt::format("{:.0f} mJ", r["decode_short"]["energy_j_per_token"].get<double>() * 1e3);
  });
  std::size_t label_w = 0;
  std::vector<std::size_t> w(rows.size(), 0);
  for (const auto& [label, cells] : lines) {
    label_w = std::max(label_w, label.size());
    for (std::size_t i = 0; i < cells.size(); ++i) w[i] = std::max(w[i], cells[i].size());
  }
  for (const auto& [label, cells] : lines) {
    fmt::print("{:<{}}", label, label_w + 2);
    for (std::size_t i = 0; i < cells.size(); ++i) fmt::print("  {:<{}}", cells[i], w[i]);
    fmt::print("\n");
  }
  for (const auto& r : rows)
    if (r.contains("note")) fmt::print("\n{}: {}", r["model"].get<std::string>(), r["note"].get<std::string>());
  fmt::print("\n");
  if (pr.uncertainty.is_object()) print_uncertainty(pr.uncertainty);
}

Expected<Prediction> predict(const PredictOpts& o) {
  // The simulated device of the chosen profile (predict is about a device you may not have).
  if (::setenv("NPU_SIM_PROFILE", o.profile.c_str(), 1) != 0) {
    return fail(ErrorCode::kInternal, "cannot set NPU_SIM_PROFILE");
  }
  VDeviceParams params;
  params.device_ids = {"sim:0"};
  NPU_TRY_ASSIGN(auto vdevice, VDevice::create(params));
  Prediction out;
  out.uncertainty = modeled_evidence(vdevice->identity(0).profile);
  for (const auto& model : o.models) {
    auto r = predict_one(*vdevice, model, o);
    if (!r) return fail(r.error().with_context(model));
    if (out.uncertainty.is_object()) (*r)["uncertainty"] = modeled_uncertainty(*r, out.uncertainty);
    out.rows.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

void add_predict_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand(
      "predict", "Predict load time, TTFT, decode rate, memory and energy of models on a device profile (timing-only)");
  auto o = std::make_shared<PredictOpts>();
  cmd->add_option("models", o->models,
                  fmt::format("config.json files or built-in shapes ({})", compiler::llm::builtin_model_names()))
      ->required();
  cmd->add_option("--profile", o->profile, "Device profile: hailo10h, rpi5-x1-gen2, rpi5-x1-gen3 or a file");
  cmd->add_option("--context", o->context, "Compiled context length (default 2048)")->check(CLI::Range(64u, 131072u));
  cmd->add_option("--policy", o->policy, "Precision policy (default w4a8, as Hailo's published figures)");
  cmd->add_option("--prefill-chunk", o->chunk, "Prefill chunk (default 96, Hailo's)")->check(CLI::Range(1u, 1024u));
  cmd->add_option("--prompt-tokens", o->prompts, "Prompt lengths for TTFT (default: 96 and 1024)");
  cmd->add_option("--gen-tokens", o->gen_tokens, "Tokens decoded per measurement (default 4)")->check(CLI::Range(2u, 1024u));
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([&ctx, o] {
    if (o->prompts.empty()) o->prompts = {96, 1024};
    auto r = predict(*o);
    if (!r) {
      ctx.exit_code = report_error("predict", r.error());
      return;
    }
    if (o->json) print_json({{"profile", o->profile}, {"policy", o->policy}, {"models", r->rows}, {"uncertainty", r->uncertainty}});
    else print_table(*r, *o);
  });
}

}  // namespace npu::tools
