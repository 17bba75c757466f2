// Serving metrics in Prometheus' text format, named as vLLM names them (prefix `npu:`): time to
// first token, inter-token latency, end-to-end latency and queue time as histograms, running and
// waiting requests, prompt / generation token counters, finished requests by finish reason, plus
// the device's modeled figures (device time and energy of the generations, device counters).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "npu/genai/llm_generator.hpp"

namespace npu::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // `name`_bucket / _sum / _count lines with `labels` ("model_name=\"m\"").
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bound, not cumulative; the last is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// What one finished request contributes.
struct RequestFigures {
  std::string model;
  std::string finish_reason;  // stop, length, tool_calls, abort, error
  std::uint32_t prompt_tokens = 0, generation_tokens = 0;
  std::chrono::nanoseconds queue{0}, ttft{0}, e2e{0};
  std::vector<double> inter_token_s;  // gaps between streamed tokens
  std::chrono::nanoseconds sink_time{0};  // the server's own time passing the events on
  std::chrono::nanoseconds sink_cpu_time{0};  // ... as CPU time of the serving thread
  genai::GenerationStats stats;       // the runtime's figures (device time, energy)
};

class Metrics {
 public:
  void record(const RequestFigures& figures);
  // Gauges are read when rendering: running, waiting, and extra preformatted lines (device).
  [[nodiscard]] std::string render(std::size_t running, std::size_t waiting, const std::string& extra) const;

 private:
  struct PerModel {
    PerModel();
    std::uint64_t prompt_tokens = 0, generation_tokens = 0;
    std::map<std::string, std::uint64_t> success;  // by finish reason
    Histogram ttft, itl, e2e, queue, prompt_len, gen_len;
    double device_prefill_s = 0, device_decode_s = 0, device_energy_j = 0, sink_s = 0, sink_cpu_s = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, PerModel> models_;
};

}  // namespace npu::server
