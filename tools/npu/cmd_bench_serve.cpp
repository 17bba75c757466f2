// `npu bench serve [--base-url URL] ...`: loads an OpenAI-compatible server as `vllm bench serve`
// does (npu::server::run_serve_benchmark); this file only parses flags and prints.
#include <fstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "npu/server/bench_serve.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct BenchServeOpts {
  server::BenchServeOptions bench;
  std::string dataset;
  std::string api_key_file;
  bool json = false;
};

Expected<nlohmann::json> run(BenchServeOpts& o) {
  if (!o.dataset.empty()) {
    std::ifstream in(o.dataset);
    if (!in) return fail(ErrorCode::kNotFound, fmt::format("--dataset {}: cannot open it", o.dataset));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) o.bench.prompts.push_back(line);
    }
    if (o.bench.prompts.empty()) return fail(ErrorCode::kInvalidArgument, fmt::format("--dataset {}: no prompts (one per line)", o.dataset));
  }
  if (!o.api_key_file.empty()) {
    std::ifstream in(o.api_key_file);
    if (!in || !std::getline(in, o.bench.api_key)) {
      return fail(ErrorCode::kNotFound, fmt::format("--api-key-file {}: cannot read a key from it", o.api_key_file));
    }
  }
  return server::run_serve_benchmark(o.bench);
}

void print_bench_serve_text(const nlohmann::json& r) {
  fmt::print("============ Serving Benchmark Result ============\n");
  fmt::print("{:<40}{}\n", "Successful requests:", r["completed"].get<std::size_t>());
  fmt::print("{:<40}{}\n", "Failed requests:", r["failed"].get<std::size_t>());
  fmt::print("{:<40}{:.2f}\n", "Benchmark duration (s):", r["duration"].get<double>());
  fmt::print("{:<40}{}\n", "Total input tokens:", r["total_input_tokens"].get<std::uint64_t>());
  fmt::print("{:<40}{}\n", "Total generated tokens:", r["total_output_tokens"].get<std::uint64_t>());
  fmt::print("{:<40}{:.2f}\n", "Request throughput (req/s):", r["request_throughput"].get<double>());
  fmt::print("{:<40}{:.2f}\n", "Output token throughput (tok/s):", r["output_throughput"].get<double>());
  fmt::print("{:<40}{:.2f}\n", "Total token throughput (tok/s):", r["total_token_throughput"].get<double>());
  for (const auto& [name, title] : {std::pair{"ttft", "Time to First Token"}, std::pair{"tpot", "Time per Output Token (excl. 1st token)"},
                                    std::pair{"itl", "Inter-token Latency"}, std::pair{"e2el", "End-to-end Latency"}}) {
    fmt::print("{:-^50}\n", fmt::format(" {} ", title));
    for (const char* stat : {"mean", "median", "p99"}) {
      fmt::print("{:<40}{:.2f}\n", fmt::format("{} {} (ms):", stat, name), r[fmt::format("{}_{}_ms", stat, name)].get<double>());
    }
  }
  if (r.contains("npu_device")) {
    const auto& d = r["npu_device"];
    fmt::print("{:-^50}\n", " Device (modeled on the simulator) ");
    fmt::print("{:<40}{:.3f}\n", "Device busy (s):", d["busy_s"].get<double>());
    fmt::print("{:<40}{:.2f}\n", "Output tokens per device second:", d["output_tokens_per_busy_s"].get<double>());
    fmt::print("{:<40}{:.3f}\n", "Device energy (J):", d["energy_j"].get<double>());
  }
  for (const auto& e : r["errors"]) fmt::print("error: {}\n", e.get<std::string>());
  fmt::print("==================================================\n");
}

}  // namespace

void add_bench_serve_command(CLI::App& bench, CommandContext& ctx) {
  auto* cmd = bench.add_subcommand("serve", "Benchmark an OpenAI-compatible server (npu serve, vLLM, llama-server)");
  auto o = std::make_shared<BenchServeOpts>();
  auto& b = o->bench;
  cmd->add_option("--base-url", b.base_url, "The server (default http://127.0.0.1:8000)");
  cmd->add_option("--endpoint", b.endpoint, "/v1/completions (default) or /v1/chat/completions");
  cmd->add_option("--model", b.model, "Model id (default: the first of /v1/models)");
  cmd->add_option("--api-key-file", o->api_key_file, "The server's API key (first line of the file)");
  cmd->add_option("--num-prompts", b.num_prompts, "Requests to send (default 100)")->check(CLI::Range(1, 1000000));
  cmd->add_option("--random-input-len", b.input_len, "Words of each random prompt (default 128)")->check(CLI::Range(1, 1000000));
  cmd->add_option("--random-output-len", b.output_len, "Tokens each request generates (default 64)")->check(CLI::Range(1, 1000000));
  cmd->add_option("--dataset", o->dataset, "Prompts to use instead of random ones, one per line");
  cmd->add_option("--request-rate", b.request_rate, "Requests per second, Poisson arrivals (default inf: all at once)");
  cmd->add_option("--max-concurrency", b.max_concurrency, "Requests in flight at most")->check(CLI::Range(1, 100000));
  cmd->add_option("--num-warmups", b.num_warmups, "Requests sent first and not counted");
  cmd->add_option("--seed", b.seed, "Seed of the random prompts and arrivals");
  cmd->add_flag("--json", o->json, "Print one JSON object (vLLM's key names)");
  cmd->callback([&ctx, o] {
    auto r = run(*o);
    if (!r) {
      ctx.exit_code = report_error("bench serve", r.error());
      return;
    }
    if (o->json) print_json(*r);
    else print_bench_serve_text(*r);
    if ((*r)["failed"].get<std::size_t>() > 0) ctx.exit_code = 1;
  });
}

}  // namespace npu::tools
