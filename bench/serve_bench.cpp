// The server's figures (docs/benchmarks.md), on functional LFM2s compiled here, served
// in-process by npu::server::Server on a loopback port and loaded through its HTTP API:
//   overhead   the server's own cost per streamed token (encoding + writing the chunk: CPU time of
//              the serving thread, npu:server_stream_cpu_seconds_total; its wall time too)
//              against the token time of the same generation read directly from genai::LLM,
//              target < 2%, judged on a medium model (milliseconds per token) and recorded for the
//              tiny one; also the end-to-end view (a client's time per token through HTTP)
//   streams64  64 concurrent streams on the tiny model: all complete, none lost (the device holds
//              about 7 sessions of it; the others wait for a session)
//   soak       rounds of concurrent requests; the process's resident memory must stay flat
// Writes one JSON object (stdout, or --out FILE); exit status 1 when a target is missed.
//
//   bench_serve [--out FILE] [--tokens N] [--soak-rounds N]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_models.hpp"
#include "npu/common/file.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "npu/server/bench_serve.hpp"
#include "npu/server/server.hpp"

namespace {

using namespace npu;
using Clock = std::chrono::steady_clock;

// The 1-minute load average, to judge how busy the machine was; -1 if unknown.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double v = -1;
  in >> v;
  return v;
}

double rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

// Host seconds per generated token, read straight from the runtime (no server): one warm-up
// generation (device boot, first touch of the weights), then `rounds` measured ones, sorted.
Expected<std::vector<double>> direct_runs(const std::filesystem::path& model, std::uint32_t tokens, int rounds = 3) {
  NPU_TRY_ASSIGN(auto vdevice, VDevice::create());
  NPU_TRY_ASSIGN(auto llm, genai::LLM::create(*vdevice, {.model_path = model}));
  genai::GeneratorParams p;
  p.temperature = 0.0f;
  p.greedy = true;
  p.max_generated_tokens = tokens;
  p.ignore_end_tokens = true;
  NPU_TRY_ASSIGN(auto prompt, llm->tokenize("the device model token stream"));
  std::vector<double> direct;
  for (int i = 0; i <= rounds; ++i) {
    NPU_TRY(llm->clear_context());
    NPU_TRY_ASSIGN(auto gen, llm->generate(std::span<const genai::TokenId>(prompt), p));
    NPU_TRY(gen.read_all(std::chrono::minutes(5)));
    const auto st = gen.stats();
    if (i > 0) direct.push_back(std::chrono::duration<double>(st.host_decode).count() / std::max<std::uint32_t>(1, st.generated_tokens - 1));
  }
  std::sort(direct.begin(), direct.end());
  return direct;
}

// The server's own time per streamed token against the token time of the same generation read
// directly from the runtime (measured before the server holds the device), for one served model.
Expected<nlohmann::json> overhead(const std::string& id, const std::filesystem::path& model, const std::vector<double>& direct,
                                  const std::string& url, std::uint32_t tokens, const std::string& what) {
  server::BenchServeOptions b;
  b.base_url = url;
  b.model = id;
  b.num_prompts = 3;
  b.max_concurrency = 1;
  b.input_len = 5;
  b.output_len = tokens;
  NPU_TRY_ASSIGN(auto single, server::run_serve_benchmark(b));
  const double token_time = direct[direct.size() / 2];
  const double through_server = single["median_tpot_ms"].get<double>() / 1e3;
  const double stream_s = single.contains("npu_server") ? single["npu_server"]["stream_seconds"].get<double>() : 0.0;
  const double stream_cpu_s = single.contains("npu_server") ? single["npu_server"]["stream_cpu_seconds"].get<double>() : 0.0;
  const double tokens_out = std::max<double>(1.0, single["total_output_tokens"].get<double>());
  const double per_token = stream_s / tokens_out, cpu_per_token = stream_cpu_s / tokens_out;
  (void)model;
  return nlohmann::json{{"model", what},
                        {"tokens_per_request", tokens},
                        {"failed", single["failed"]},
                        {"direct_s_per_token", direct},
                        {"direct_s_per_token_median", token_time},
                        {"server_tpot_s_median", through_server},
                        {"end_to_end_overhead_fraction", (through_server - token_time) / token_time},
                        {"server_stream_s_per_token", per_token},
                        {"server_stream_wall_fraction", per_token / token_time},
                        {"server_stream_cpu_s_per_token", cpu_per_token},
                        {"server_overhead_fraction", cpu_per_token / token_time}};
}

Expected<nlohmann::json> run(std::uint32_t tokens, int soak_rounds) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("npu_bench_serve_{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto model = dir / "small.npk";
  const auto medium = dir / "medium.npk";
  NPU_TRY(bench::compile_small_lfm2(model));
  // A model of a size one serves (a token takes milliseconds of host time, as a real model's
  // tokens take on the device): the overhead target is judged on it. The tiny one is recorded too.
  const bench::Lfm2Shape medium_shape{.hidden = 1024, .layers = 8, .ffn = 2816, .vocab = 8192, .name = "bench-lfm2-medium"};
  NPU_TRY(bench::compile_lfm2(medium, medium_shape));

  nlohmann::json out;
  // --- overhead: direct first (the device is free), then through the server.
  NPU_TRY_ASSIGN(auto direct_small, direct_runs(model, tokens));
  NPU_TRY_ASSIGN(auto direct_medium, direct_runs(medium, tokens));

  server::ServerOptions so;
  so.models = {model, medium};
  so.port = 0;
  so.max_concurrency = 64;
  so.max_queue = 1024;
  NPU_TRY_ASSIGN(auto srv, server::Server::create(so));
  std::thread serving([&] { srv->run(); });
  struct Stop {
    server::Server& s;
    std::thread& t;
    ~Stop() {
      s.stop();
      t.join();
    }
  } stop{*srv, serving};

  NPU_TRY_ASSIGN(auto o_medium, overhead("medium", medium, direct_medium, srv->url(), tokens,
                                         "LFM2 hidden 1024, 8 layers, ffn 2816, vocab 8192 (synthetic weights), functional simulation"));
  NPU_TRY_ASSIGN(auto o_small, overhead("small", model, direct_small, srv->url(), tokens,
                                        "LFM2 hidden 256, 4 layers, vocab 1024 (synthetic weights), functional simulation"));
  const double fraction = o_medium["server_overhead_fraction"].get<double>();
  out["overhead"] = {{"target_fraction", 0.02},
                     {"judged_on", "medium"},
                     {"medium", o_medium},
                     {"small", o_small},
                     {"ok", fraction < 0.02 && o_medium["failed"] == 0}};

  server::BenchServeOptions b;
  b.base_url = srv->url();
  b.model = "small";
  // --- 64 concurrent streams.
  b.num_prompts = 64;
  b.max_concurrency = 64;
  b.input_len = 8;
  b.output_len = 32;
  NPU_TRY_ASSIGN(auto s64, server::run_serve_benchmark(b));
  out["streams64"] = {{"completed", s64["completed"]},
                      {"failed", s64["failed"]},
                      {"errors", s64["errors"]},
                      {"total_output_tokens", s64["total_output_tokens"]},
                      {"expected_output_tokens", 64 * 32},
                      {"duration_s", s64["duration"]},
                      {"mean_ttft_ms", s64["mean_ttft_ms"]},
                      {"p99_itl_ms", s64["p99_itl_ms"]},
                      {"output_throughput", s64["output_throughput"]},
                      {"ok", s64["completed"] == 64 && s64["failed"] == 0 && s64["total_output_tokens"] == 64 * 32}};

  // --- soak: the same load round after round; resident memory after each.
  b.num_prompts = 16;
  b.max_concurrency = 8;
  b.output_len = 16;
  std::vector<double> rss;
  std::size_t failed = 0;
  nlohmann::json errors = nlohmann::json::array();
  for (int r = 0; r < soak_rounds; ++r) {
    NPU_TRY_ASSIGN(auto round, server::run_serve_benchmark(b));
    failed += round["failed"].get<std::size_t>();
    for (const auto& e : round["errors"]) {
      if (errors.size() < 5) errors.push_back(e);
    }
    rss.push_back(rss_mib());
  }
  // Flat: after the first rounds have warmed the pools, growth from the third round to the last.
  const double base = rss.size() > 2 ? rss[2] : rss.front();
  const double growth = rss.back() - base;
  out["soak"] = {{"rounds", soak_rounds},
                 {"requests", soak_rounds * 16},
                 {"failed", failed},
                 {"errors", errors},
                 {"rss_mib", rss},
                 {"growth_after_warmup_mib", growth},
                 {"target_growth_mib", 8.0},
                 {"ok", failed == 0 && growth < 8.0}};
  std::filesystem::remove_all(dir);
  out["load_average_1min"] = load_average();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_path;
  std::uint32_t tokens = 64;
  int soak_rounds = 60;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else if (!std::strcmp(argv[i], "--tokens") && i + 1 < argc) tokens = static_cast<std::uint32_t>(std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--soak-rounds") && i + 1 < argc) soak_rounds = std::max(3, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: bench_serve [--out FILE] [--tokens N] [--soak-rounds N]\n");
      return 2;
    }
  }
  auto r = run(tokens, soak_rounds);
  if (!r) {
    std::fprintf(stderr, "bench_serve: %s\n", r.error().what().c_str());
    return 1;
  }
  const std::string text = r->dump(2) + "\n";
  if (out_path.empty()) std::fputs(text.c_str(), stdout);
  else if (auto w = npu::write_file_atomic(out_path, text); !w) {
    std::fprintf(stderr, "bench_serve: %s\n", w.error().what().c_str());
    return 1;
  }
  const bool ok = (*r)["overhead"]["ok"] && (*r)["streams64"]["ok"] && (*r)["soak"]["ok"];
  return ok ? 0 : 1;
}
