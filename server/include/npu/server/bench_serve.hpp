// `npu bench serve`: load an OpenAI-compatible server the way `vllm bench serve` does — random or
// given prompts of set input/output lengths, at a request rate (Poisson arrivals) or a fixed
// concurrency, after a warm-up — and report TTFT, TPOT, ITL and end-to-end latency (mean,
// median, p99) with request and token throughput under vLLM's JSON key names. Works against any
// OpenAI-compatible server (npustack, vLLM, llama-server); against `npu serve` it adds the
// device's modeled figures from /metrics.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"

namespace npu::server {

struct BenchServeOptions {
  std::string base_url = "http://127.0.0.1:8000";
  std::string endpoint = "/v1/completions";  // or /v1/chat/completions
  std::string model;                         // empty: the first model of GET /v1/models
  std::string api_key;
  std::size_t num_prompts = 100;
  std::size_t input_len = 128;   // words of a random prompt (the server's tokens are reported)
  std::size_t output_len = 64;   // max_tokens of each request, with ignore_eos
  std::vector<std::string> prompts;  // given prompts (used in turn); empty = random
  double request_rate = std::numeric_limits<double>::infinity();  // requests/s, Poisson; inf = at once
  std::optional<std::size_t> max_concurrency;  // requests in flight at most
  std::size_t num_warmups = 0;
  std::uint64_t seed = 0;
};

// Runs the benchmark; the result carries vLLM's keys (duration, completed, failed,
// total_input_tokens, total_output_tokens, request_throughput, output_throughput,
// total_token_throughput, mean/median/std/p99 _ttft_ms, _tpot_ms, _itl_ms, _e2el_ms, ...).
[[nodiscard]] Expected<nlohmann::json> run_serve_benchmark(const BenchServeOptions& options);

}  // namespace npu::server
