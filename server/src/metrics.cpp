#include "metrics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace npu::server {

namespace {
const std::vector<double> kLatencyBounds{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
                                         0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0};
const std::vector<double> kTokenBounds{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
double secs(std::chrono::nanoseconds t) { return std::chrono::duration<double>(t).count(); }
}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[static_cast<std::size_t>(at)];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels, bounds_[i], cumulative);
  }
  out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels, count_);
  out += fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels, sum_, name, labels, count_);
}

Metrics::PerModel::PerModel()
    : ttft(kLatencyBounds), itl(kLatencyBounds), e2e(kLatencyBounds), queue(kLatencyBounds),
      prompt_len(kTokenBounds), gen_len(kTokenBounds) {}

void Metrics::record(const RequestFigures& f) {
  std::lock_guard lock(mutex_);
  auto& m = models_[f.model];
  m.prompt_tokens += f.prompt_tokens;
  m.generation_tokens += f.generation_tokens;
  ++m.success[f.finish_reason];
  if (f.generation_tokens > 0) m.ttft.observe(secs(f.ttft));
  for (const double gap : f.inter_token_s) m.itl.observe(gap);
  m.e2e.observe(secs(f.e2e));
  m.queue.observe(secs(f.queue));
  m.prompt_len.observe(f.prompt_tokens);
  m.gen_len.observe(f.generation_tokens);
  m.device_prefill_s += secs(f.stats.device_ttft);
  m.device_decode_s += secs(f.stats.device_decode);
  m.device_energy_j += f.stats.device_energy_j;
  m.sink_s += secs(f.sink_time);
  m.sink_cpu_s += secs(f.sink_cpu_time);
}

std::string Metrics::render(std::size_t running, std::size_t waiting, const std::string& extra) const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto head = [&out](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  head("npu:num_requests_running", "gauge", "Requests generating on the device now.");
  out += fmt::format("npu:num_requests_running {}\n", running);
  head("npu:num_requests_waiting", "gauge", "Requests waiting for a generation slot.");
  out += fmt::format("npu:num_requests_waiting {}\n", waiting);
  auto per_model_counter = [&](const char* name, const char* help, auto get) {
    head(name, "counter", help);
    for (const auto& [model, m] : models_) out += fmt::format("{}{{model_name=\"{}\"}} {}\n", name, model, get(m));
  };
  per_model_counter("npu:prompt_tokens_total", "Prompt tokens processed.", [](const PerModel& m) { return m.prompt_tokens; });
  per_model_counter("npu:generation_tokens_total", "Tokens generated.", [](const PerModel& m) { return m.generation_tokens; });
  head("npu:request_success_total", "counter", "Finished requests by finish reason.");
  for (const auto& [model, m] : models_) {
    for (const auto& [reason, n] : m.success) {
      out += fmt::format("npu:request_success_total{{model_name=\"{}\",finished_reason=\"{}\"}} {}\n", model, reason, n);
    }
  }
  auto per_model_hist = [&](const char* name, const char* help, auto member) {
    head(name, "histogram", help);
    for (const auto& [model, m] : models_) (m.*member).render(out, name, fmt::format("model_name=\"{}\"", model));
  };
  per_model_hist("npu:time_to_first_token_seconds", "Time to first token (wall clock).", &PerModel::ttft);
  per_model_hist("npu:inter_token_latency_seconds", "Time between streamed tokens.", &PerModel::itl);
  per_model_hist("npu:e2e_request_latency_seconds", "Request latency, arrival to last token.", &PerModel::e2e);
  per_model_hist("npu:request_queue_time_seconds", "Time waiting for a generation slot.", &PerModel::queue);
  per_model_hist("npu:request_prompt_tokens", "Prompt length of finished requests.", &PerModel::prompt_len);
  per_model_hist("npu:request_generation_tokens", "Generated tokens of finished requests.", &PerModel::gen_len);
  per_model_counter("npu:device_prefill_seconds_total", "Device time in prefill runs (modeled on the simulator).",
                    [](const PerModel& m) { return m.device_prefill_s; });
  per_model_counter("npu:device_decode_seconds_total", "Device time in token-by-token runs (modeled on the simulator).",
                    [](const PerModel& m) { return m.device_decode_s; });
  per_model_counter("npu:device_energy_joules_total", "Device energy of the generations (modeled on the simulator).",
                    [](const PerModel& m) { return m.device_energy_j; });
  per_model_counter("npu:server_stream_seconds_total",
                    "The server's own time handing generated tokens to clients (encoding and writing).",
                    [](const PerModel& m) { return m.sink_s; });
  per_model_counter("npu:server_stream_cpu_seconds_total",
                    "CPU time the server's threads spent handing generated tokens to clients.",
                    [](const PerModel& m) { return m.sink_cpu_s; });
  out += extra;
  return out;
}

}  // namespace npu::server
