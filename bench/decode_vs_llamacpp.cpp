// Decode speed of the functional simulator (the whole stack: runtime -> driver -> hal -> sim,
// real values) side by side with llama.cpp (node-llama-cpp) on the same weights, in one run:
//  1. an LFM2-1.2B-shaped model (built-in "lfm2.5-1.2b" shapes) with deterministic synthetic
//     weights is written once as GGUF Q4_0 and Q8_0 (same tensors; both engines read them);
//  2. our .npk is compiled from the Q8_0 file with the default policy (W4A8 conv blocks, W8A8
//     attention blocks, int8 block-32 head);
//  3. for each thread count, llama.cpp decodes N tokens on each GGUF and our stack decodes N
//     tokens with NPU_SIM_THREADS set to the same count, alternating so machine noise is shared;
//  4. JSON: tokens/s for each, ratios ours / llama.cpp, and our host overhead per token = wall
//     time of a token minus the simulator's kernel time (npu/sim/compute_clock.hpp), with its
//     share of the token time (target: under 5%).
//
//   bench_decode_vs_llamacpp [--tokens N] [--threads 1,2] [--rounds R] [--model NAME] [--keep DIR]
//                            [--out FILE.json]
// --keep DIR keeps the GGUF and .npk files there, and reuses them when a later run finds them.
// Needs `node` and the node-llama-cpp package (npm ci at the repository root). Exit 2 on errors.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"
#include "npu/compiler/gguf_model_export.hpp"
#include "npu/compiler/llm_builtin.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "npu/sim/compute_clock.hpp"

namespace {

using namespace npu;
using Clock = std::chrono::steady_clock;

struct Options {
  std::uint32_t tokens = 64, rounds = 2;
  std::vector<int> threads{1, 2};
  std::string model = "lfm2.5-1.2b";
  std::filesystem::path keep, out;
};

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of the whole process (every thread), in seconds.
double process_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The 1-minute load average (/proc/loadavg), to judge how noisy the run was; -1 if unknown.
double load_average() {
  double l = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

// Writes both GGUF files and the .npk into `dir`.
Expected<nlohmann::json> prepare(const Options& o, const std::filesystem::path& dir) {
  nlohmann::json j;
  NPU_TRY_ASSIGN(auto loaded, compiler::llm::load_llm_synthetic(o.model, 1));
  const auto& config = loaded.source.config;
  NPU_TRY_ASSIGN(auto tok, compiler::make_synthetic_tokenizer(config.vocab_size));
  for (auto [type, name] : {std::pair{compiler::GgmlType::kQ4_0, "q4_0"}, std::pair{compiler::GgmlType::kQ8_0, "q8_0"}}) {
    const auto t0 = Clock::now();
    compiler::GgufExportOptions g;
    g.matrix_type = type;
    g.tokenizer = tok;
    g.name = o.model + "-synthetic";
    NPU_TRY(compiler::write_model_gguf(dir / fmt::format("model-{}.gguf", name), config, *loaded.weights, g));
    j[fmt::format("gguf_{}_bytes", name)] = std::filesystem::file_size(dir / fmt::format("model-{}.gguf", name));
    j[fmt::format("gguf_{}_write_s", name)] = secs(Clock::now() - t0);
  }
  const auto t0 = Clock::now();
  NPU_TRY_ASSIGN(auto from_gguf, compiler::llm::load_llm_model(dir / "model-q8_0.gguf"));
  compiler::llm::LlmCompileOptions c;
  NPU_TRY_ASSIGN(c.policy, compiler::llm::builtin_policy("default"));
  NPU_TRY_ASSIGN(c.device, compiler::llm::load_device_memory("hailo10h"));
  c.context_length = 1024;
  c.prefill_chunk = 32;
  c.calibration_tokens = 32;
  NPU_TRY_ASSIGN(auto compiled, compiler::llm::compile_llm(from_gguf.source, c));
  NPU_TRY(compiler::llm::write_llm_npk(compiled, dir / "model.npk"));
  j["npk_bytes"] = std::filesystem::file_size(dir / "model.npk");
  j["compile_s"] = secs(Clock::now() - t0);
  j["model"] = o.model;
  j["hidden"] = config.hidden_size;
  j["layers"] = config.n_layers;
  j["vocab"] = config.vocab_size;
  return j;
}

// Runs a shell command; its stdout (one JSON document) parsed (discarded if not JSON), with the exit code.
struct JsonRun {
  int exit_code = -1;
  std::string text;
  nlohmann::json json;
};
Expected<JsonRun> run_json_command(const std::string& cmd, std::string_view cannot_start) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return fail(ErrorCode::kIo, std::string(cannot_start));
  JsonRun r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.text.append(buf, n);
  r.exit_code = ::pclose(p);
  r.json = nlohmann::json::parse(r.text, nullptr, false);
  return r;
}

Expected<nlohmann::json> run_llama(const std::filesystem::path& gguf, int threads, std::uint32_t tokens) {
  const std::string cmd = fmt::format("node '{}' --model '{}' --threads {} --tokens {} --prompt 1,20,30,40",
                                      (std::filesystem::path(NPU_BENCH_SOURCE_DIR) / "llama_decode.mjs").string(),
                                      gguf.string(), threads, tokens);
  NPU_TRY_ASSIGN(auto r, run_json_command(cmd, "cannot start node (install Node.js and run `npm ci` at the repository root)"));
  if (r.exit_code != 0 || r.json.is_discarded() || !r.json.contains("decode_tokens_per_s"))
    return fail(ErrorCode::kIo, fmt::format("llama.cpp run failed (exit {}): {} — is node-llama-cpp installed (npm ci)?",
                                            r.exit_code, r.text));
  r.json.erase("generated");
  return r.json;
}

// Our decode: `tokens` tokens after the same 4-token prompt, greedy on the device.
Expected<nlohmann::json> run_ours(const std::filesystem::path& npk, int threads, std::uint32_t tokens) {
  // The worker pool reads NPU_SIM_THREADS once per process, so each thread count runs in a child.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string cmd = fmt::format("NPU_SIM_THREADS={} '{}' --child '{}' --tokens {}", threads, self, npk.string(), tokens);
  NPU_TRY_ASSIGN(auto r, run_json_command(cmd, "cannot start the child benchmark process"));
  if (r.exit_code != 0 || r.json.is_discarded())
    return fail(ErrorCode::kIo, fmt::format("our decode failed (exit {}): {}", r.exit_code, r.text));
  r.json["threads"] = threads;
  return r.json;
}

Expected<nlohmann::json> child(const std::filesystem::path& npk, std::uint32_t tokens) {
  NPU_TRY_ASSIGN(auto vdevice, VDevice::create());
  NPU_TRY_ASSIGN(auto llm, genai::LLM::create(*vdevice, {.model_path = npk}));
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.max_generated_tokens = tokens;
  const std::vector<genai::TokenId> prompt{1, 20, 30, 40};
  NPU_TRY_ASSIGN(auto gen, llm->generate(prompt, p));
  std::uint64_t compute0 = 0, compute1 = 0;
  Clock::time_point first, last;
  double cpu0 = 0, cpu1 = 0;
  std::uint32_t seen = 0;
  while (true) {
    NPU_TRY_ASSIGN(auto ev, gen.read(std::chrono::minutes(10)));
    if (ev.kind == genai::OutputKind::kEnd) break;
    last = Clock::now();
    compute1 = sim::compute_host_ns();
    cpu1 = process_cpu_s();
    if (seen++ == 0) first = last, compute0 = compute1, cpu0 = cpu1;
  }
  const auto s = gen.stats();
  const double steps = std::max(1u, s.generated_tokens - 1);
  const double token_s = secs(last - first) / steps, compute_s = static_cast<double>(compute1 - compute0) * 1e-9 / steps;
  const double overhead_s = token_s - compute_s, cpu_s = (cpu1 - cpu0) / steps;
  return nlohmann::json{{"tokens", s.generated_tokens},
                        {"decode_tokens_per_s", token_s > 0 ? 1.0 / token_s : 0.0},
                        {"decode_tokens_per_cpu_s", cpu_s > 0 ? 1.0 / cpu_s : 0.0},
                        {"host_us_per_token", token_s * 1e6},
                        {"kernel_us_per_token", compute_s * 1e6},
                        {"host_overhead_us_per_token", overhead_s * 1e6},
                        {"host_overhead_share", token_s > 0 ? overhead_s / token_s : 0.0},
                        {"stack_decode_tokens_per_s", s.host_decode_tokens_per_s()},
                        {"modeled_device_tokens_per_s", s.device_decode_tokens_per_s()}};
}

Expected<nlohmann::json> run(const Options& o) {
  std::filesystem::path dir = o.keep;
  if (dir.empty()) dir = std::filesystem::temp_directory_path() / fmt::format("npu_decode_bench_{}", ::getpid());
  std::filesystem::create_directories(dir);
  nlohmann::json j;
  const bool reuse = !o.keep.empty() && std::filesystem::exists(dir / "model.npk") &&
                     std::filesystem::exists(dir / "model-q4_0.gguf") && std::filesystem::exists(dir / "model-q8_0.gguf");
  if (reuse) {  // --keep DIR from an earlier run: the same deterministic files
    j = {{"model", o.model}, {"reused_files", dir.string()}, {"compile_s", 0.0}};
  } else {
    NPU_TRY_ASSIGN(j, prepare(o, dir));
  }
  fmt::print(stderr, "prepared in {}: gguf + npk ({:.0f} s compile)\n", dir.string(), j["compile_s"].get<double>());
  nlohmann::json results = nlohmann::json::array();
  for (int t : o.threads) {
    double best_q4 = 0, best_q8 = 0, best_ours = 0;
    nlohmann::json ours_best, q4_best, q8_best;
    for (std::uint32_t r = 0; r < o.rounds; ++r) {  // alternating: each side sees the same noise
      NPU_TRY_ASSIGN(auto q4, run_llama(dir / "model-q4_0.gguf", t, o.tokens));
      NPU_TRY_ASSIGN(auto ours, run_ours(dir / "model.npk", t, o.tokens));
      NPU_TRY_ASSIGN(auto q8, run_llama(dir / "model-q8_0.gguf", t, o.tokens));
      fmt::print(stderr,
                 "threads {} round {}: ours {:.1f} tok/s ({:.1f} per CPU-s), llama.cpp Q4_0 {:.1f} ({:.1f}), "
                 "Q8_0 {:.1f} ({:.1f}); load average {:.1f}\n",
                 t, r, ours["decode_tokens_per_s"].get<double>(), ours.value("decode_tokens_per_cpu_s", 0.0),
                 q4["decode_tokens_per_s"].get<double>(), q4.value("decode_tokens_per_cpu_s", 0.0),
                 q8["decode_tokens_per_s"].get<double>(), q8.value("decode_tokens_per_cpu_s", 0.0), load_average());
      if (ours["decode_tokens_per_s"].get<double>() > best_ours) best_ours = ours["decode_tokens_per_s"], ours_best = ours;
      if (q4["decode_tokens_per_s"].get<double>() > best_q4) best_q4 = q4["decode_tokens_per_s"], q4_best = q4;
      if (q8["decode_tokens_per_s"].get<double>() > best_q8) best_q8 = q8["decode_tokens_per_s"], q8_best = q8;
    }
    const auto cpu_ratio = [](const nlohmann::json& ours, const nlohmann::json& llama) {
      const double l = llama.value("decode_tokens_per_cpu_s", 0.0);
      return l > 0 ? ours.value("decode_tokens_per_cpu_s", 0.0) / l : 0.0;
    };
    results.push_back({{"threads", t},
                       {"ours", ours_best},
                       {"llama_cpp_q4_0", q4_best},
                       {"llama_cpp_q8_0", q8_best},
                       {"ratio_vs_q4_0", best_q4 > 0 ? best_ours / best_q4 : 0.0},
                       {"ratio_vs_q8_0", best_q8 > 0 ? best_ours / best_q8 : 0.0},
                       {"cpu_ratio_vs_q4_0", cpu_ratio(ours_best, q4_best)},
                       {"cpu_ratio_vs_q8_0", cpu_ratio(ours_best, q8_best)},
                       {"host_overhead_ok", ours_best["host_overhead_share"].get<double>() < 0.05}});
  }
  j["results"] = results;
  j["tokens"] = o.tokens;
  j["rounds"] = o.rounds;
  j["note"] =
      "best of the rounds per engine (by wall-clock rate); ratio = ours / llama.cpp at the same thread count; "
      "cpu_ratio compares tokens per CPU-second of each whole process (robust to a shared, loaded machine at 1 "
      "thread; at more threads llama.cpp's spinning workers count against it)";
  j["load_average_1min"] = load_average();
  if (o.keep.empty()) std::filesystem::remove_all(dir);
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::filesystem::path child_npk;
  for (int i = 1; i < argc; ++i) {
    const bool v = i + 1 < argc;
    if (!std::strcmp(argv[i], "--tokens") && v) o.tokens = static_cast<std::uint32_t>(std::stoul(argv[++i]));
    else if (!std::strcmp(argv[i], "--rounds") && v) o.rounds = static_cast<std::uint32_t>(std::stoul(argv[++i]));
    else if (!std::strcmp(argv[i], "--model") && v) o.model = argv[++i];
    else if (!std::strcmp(argv[i], "--keep") && v) o.keep = argv[++i];
    else if (!std::strcmp(argv[i], "--out") && v) o.out = argv[++i];
    else if (!std::strcmp(argv[i], "--child") && v) child_npk = argv[++i];
    else if (!std::strcmp(argv[i], "--threads") && v) {
      o.threads.clear();
      for (std::string s = argv[++i]; !s.empty();) {
        const auto comma = s.find(',');
        o.threads.push_back(std::stoi(s.substr(0, comma)));
        s = comma == std::string::npos ? "" : s.substr(comma + 1);
      }
    } else {
      fmt::print(stderr, "usage: {} [--tokens N] [--threads 1,2] [--rounds R] [--model NAME] [--keep DIR] [--out FILE.json]\n", argv[0]);
      return 2;
    }
  }
  if (o.tokens < 2 || o.rounds < 1 || o.threads.empty()) {
    fmt::print(stderr, "bench_decode_vs_llamacpp: --tokens must be >= 2, --rounds >= 1, --threads non-empty\n");
    return 2;
  }
  auto r = child_npk.empty() ? run(o) : child(child_npk, o.tokens);
  if (!r) {
    fmt::print(stderr, "bench_decode_vs_llamacpp: {}\n", r.error().what());
    return 2;
  }
  const std::string text = r->dump(2) + "\n";
  if (o.out.empty()) fmt::print("{}", text);
  else if (auto w = write_file_atomic(o.out, text); !w) {
    fmt::print(stderr, "bench_decode_vs_llamacpp: {}\n", w.error().what());
    return 2;
  }
  return 0;
}
