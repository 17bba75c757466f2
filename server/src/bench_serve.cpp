#include "npu/server/bench_serve.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "upstream_client.hpp"

namespace npu::server {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0, Clock::time_point t) { return std::chrono::duration<double>(t - t0).count(); }

// The answer of one request as it arrives: SSE events timestamped, or a whole body.
class RecordingExchange final : public Exchange {
 public:
  explicit RecordingExchange(Clock::time_point sent) : sent_(sent) {}
  void send(unsigned status, std::string_view, std::string body, const HeaderList&) override {
    status_ = status;
    body_ = std::move(body);
    answered_ = true;
  }
  bool start_stream(std::string_view, const HeaderList&) override {
    status_ = 200;
    answered_ = true;
    return true;
  }
  bool write(std::string_view data) override {
    pending_ += data;
    std::size_t end;
    while ((end = pending_.find("\n\n")) != std::string::npos) {
      event(pending_.substr(0, end));
      pending_.erase(0, end + 2);
    }
    return true;
  }
  void end_stream() override {}
  bool alive() override { return true; }
  [[nodiscard]] bool answered() const override { return answered_; }

  unsigned status_ = 0;
  std::string body_, error_;
  std::vector<double> token_times;  // seconds after sending, one per content chunk
  std::uint32_t prompt_tokens = 0, output_tokens = 0;
  bool done = false;

 private:
  void event(const std::string& block) {
    if (!block.starts_with("data: ")) return;  // comments (keep-alive)
    const std::string payload = block.substr(6);
    if (payload == "[DONE]") {
      done = true;
      return;
    }
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object()) return;
    if (j.contains("error")) {
      error_ = j["error"].is_object() ? j["error"].value("message", std::string("error")) : j["error"].dump();
      return;
    }
    if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
      prompt_tokens = u->value("prompt_tokens", 0u);
      output_tokens = u->value("completion_tokens", 0u);
    }
    auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty()) return;
    const auto& c = (*choices)[0];
    std::string text;
    if (c.contains("text") && c["text"].is_string()) text = c["text"];
    if (auto d = c.find("delta"); d != c.end() && d->is_object()) {
      for (const char* k : {"content", "reasoning_content", "reasoning"}) {
        if (d->contains(k) && (*d)[k].is_string()) {
          text += (*d)[k].get<std::string>();
          if (std::string_view(k) == "reasoning_content") break;  // the same text twice
        }
      }
    }
    if (!text.empty()) token_times.push_back(since(sent_, Clock::now()));
  }

  Clock::time_point sent_;
  std::string pending_;
  bool answered_ = false;
};

struct Record {
  bool ok = false;
  std::string error;
  double ttft = 0, e2e = 0, tpot = 0;
  std::vector<double> itl;
  std::uint32_t prompt_tokens = 0, output_tokens = 0;
};

std::string random_prompt(std::mt19937_64& rng, std::size_t words) {
  static const char* const kWords[] = {"the", "device", "model", "token", "stream", "river", "light", "green",
                                       "number", "small", "quick", "edge", "cloud", "answer", "question", "time",
                                       "memory", "signal", "bright", "north", "paper", "stone", "music", "window"};
  std::string s;
  for (std::size_t i = 0; i < words; ++i) {
    if (i) s += ' ';
    s += kWords[rng() % std::size(kWords)];
  }
  return s;
}

Record one_request(const UpstreamClient& client, const BenchServeOptions& o, const std::string& model,
                   const std::string& prompt) {
  nlohmann::json body{{"model", model},
                      {"max_tokens", o.output_len},
                      {"ignore_eos", true},
                      {"temperature", 0},
                      {"stream", true},
                      {"stream_options", {{"include_usage", true}}}};
  if (o.endpoint.find("chat") != std::string::npos) {
    body["messages"] = nlohmann::json::array({{{"role", "user"}, {"content", prompt}}});
  } else {
    body["prompt"] = prompt;
  }
  const auto sent = Clock::now();
  RecordingExchange ex(sent);
  auto r = client.forward("POST", o.endpoint, body.dump(), ex);
  Record rec;
  rec.e2e = since(sent, Clock::now());
  if (!r.relayed || ex.status_ != 200 || !ex.error_.empty() || !ex.done || ex.token_times.empty()) {
    rec.error = !r.relayed ? r.error
                : !ex.error_.empty() ? ex.error_
                : ex.status_ != 200 ? fmt::format("HTTP {}: {}", ex.status_, ex.body_.substr(0, 200))
                                    : "the stream ended without tokens or [DONE]";
    return rec;
  }
  rec.ok = true;
  rec.ttft = ex.token_times.front();
  for (std::size_t i = 1; i < ex.token_times.size(); ++i) rec.itl.push_back(ex.token_times[i] - ex.token_times[i - 1]);
  rec.output_tokens = ex.output_tokens ? ex.output_tokens : static_cast<std::uint32_t>(ex.token_times.size());
  rec.prompt_tokens = ex.prompt_tokens;
  if (rec.output_tokens > 1) rec.tpot = (rec.e2e - rec.ttft) / (rec.output_tokens - 1);
  return rec;
}

// mean / median / std / p99 in milliseconds, under "<stat>_<name>_ms".
void add_stats(nlohmann::json& out, const std::string& name, std::vector<double> seconds) {
  double mean = 0, median = 0, sd = 0, p99 = 0;
  if (!seconds.empty()) {
    std::sort(seconds.begin(), seconds.end());
    mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / seconds.size();
    const auto n = seconds.size();
    median = n % 2 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
    double var = 0;
    for (double s : seconds) var += (s - mean) * (s - mean);
    sd = std::sqrt(var / n);
    // Linear interpolation between closest ranks (numpy's default percentile).
    const double rank = 0.99 * (n - 1);
    const auto lo = static_cast<std::size_t>(std::floor(rank));
    const auto hi = std::min(lo + 1, n - 1);
    p99 = seconds[lo] + (seconds[hi] - seconds[lo]) * (rank - lo);
  }
  out["mean_" + name + "_ms"] = mean * 1e3;
  out["median_" + name + "_ms"] = median * 1e3;
  out["std_" + name + "_ms"] = sd * 1e3;
  out["p99_" + name + "_ms"] = p99 * 1e3;
}

// The npustack device counters of /metrics (absent on other servers).
std::map<std::string, double> device_counters(const UpstreamClient& client) {
  RecordingExchange ex(Clock::now());
  std::map<std::string, double> out;
  auto r = client.forward("GET", "/metrics", "", ex);
  if (!r.relayed || ex.status_ != 200) return out;
  std::size_t pos = 0;
  while (pos < ex.body_.size()) {
    auto end = ex.body_.find('\n', pos);
    if (end == std::string::npos) end = ex.body_.size();
    const std::string line = ex.body_.substr(pos, end - pos);
    pos = end + 1;
    for (const char* name : {"npu:device_busy_seconds_total", "npu:device_energy_joules", "npu:device_decode_seconds_total",
                             "npu:device_prefill_seconds_total", "npu:generation_tokens_total",
                             "npu:server_stream_seconds_total", "npu:server_stream_cpu_seconds_total"}) {
      if (line.starts_with(name) && line.size() > std::string_view(name).size() &&
          (line[std::string_view(name).size()] == '{' || line[std::string_view(name).size()] == ' ')) {
        out[name] += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
      }
    }
  }
  return out;
}

Expected<std::string> first_model(const UpstreamClient& client) {
  RecordingExchange ex(Clock::now());
  auto r = client.forward("GET", "/v1/models", "", ex);
  if (!r.relayed) return fail(ErrorCode::kIo, "GET /v1/models: " + r.error);
  auto j = nlohmann::json::parse(ex.body_, nullptr, false);
  if (ex.status_ != 200 || !j.is_object() || !j.contains("data") || !j["data"].is_array() || j["data"].empty()) {
    return fail(ErrorCode::kNotFound, fmt::format("GET /v1/models answered {}: no model to benchmark (give --model)", ex.status_));
  }
  return j["data"][0].value("id", std::string());
}

}  // namespace

Expected<nlohmann::json> run_serve_benchmark(const BenchServeOptions& o) {
  if (o.num_prompts == 0) return fail(ErrorCode::kInvalidArgument, "--num-prompts must be at least 1");
  if (!(o.request_rate > 0)) return fail(ErrorCode::kInvalidArgument, "--request-rate must be positive (inf = all at once)");
  NPU_TRY_ASSIGN(auto url, parse_upstream_url(o.base_url));
  const UpstreamClient client(url, o.api_key, std::chrono::seconds(5));
  std::string model = o.model;
  if (model.empty()) {
    NPU_TRY_ASSIGN(model, first_model(client));
  }
  std::mt19937_64 rng(o.seed);
  std::vector<std::string> prompts;
  for (std::size_t i = 0; i < o.num_prompts + o.num_warmups; ++i) {
    prompts.push_back(o.prompts.empty() ? random_prompt(rng, o.input_len) : o.prompts[i % o.prompts.size()]);
  }
  for (std::size_t i = 0; i < o.num_warmups; ++i) {
    auto w = one_request(client, o, model, prompts[i]);
    if (!w.ok) return fail(ErrorCode::kIo, "the warm-up request failed: " + w.error);
  }
  const auto device_before = device_counters(client);

  std::vector<Record> records(o.num_prompts);
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  const std::size_t limit = o.max_concurrency.value_or(o.num_prompts);
  std::exponential_distribution<double> gap(std::isinf(o.request_rate) ? 1.0 : o.request_rate);
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  auto next = t0;
  for (std::size_t i = 0; i < o.num_prompts; ++i) {
    if (!std::isinf(o.request_rate)) {
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap(rng)));
      std::this_thread::sleep_until(next);
    }
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return in_flight < limit; });
      ++in_flight;
    }
    threads.emplace_back([&, i] {
      records[i] = one_request(client, o, model, prompts[o.num_warmups + i]);
      std::lock_guard lock(mutex);
      --in_flight;
      cv.notify_all();
    });
  }
  for (auto& t : threads) t.join();
  const double duration = since(t0, Clock::now());
  const auto device_after = device_counters(client);

  nlohmann::json out;
  std::size_t completed = 0;
  std::uint64_t input = 0, output = 0;
  std::vector<double> ttft, tpot, itl, e2e;
  std::vector<std::string> errors;
  for (const auto& r : records) {
    if (!r.ok) {
      if (errors.size() < 5) errors.push_back(r.error);
      continue;
    }
    ++completed;
    input += r.prompt_tokens;
    output += r.output_tokens;
    ttft.push_back(r.ttft);
    if (r.output_tokens > 1) tpot.push_back(r.tpot);
    itl.insert(itl.end(), r.itl.begin(), r.itl.end());
    e2e.push_back(r.e2e);
  }
  out["backend"] = "openai";
  out["base_url"] = o.base_url;
  out["endpoint"] = o.endpoint;
  out["model_id"] = model;
  out["num_prompts"] = o.num_prompts;
  out["request_rate"] = std::isinf(o.request_rate) ? nlohmann::json("inf") : nlohmann::json(o.request_rate);
  out["max_concurrency"] = o.max_concurrency ? nlohmann::json(*o.max_concurrency) : nlohmann::json();
  out["duration"] = duration;
  out["completed"] = completed;
  out["failed"] = o.num_prompts - completed;
  out["errors"] = errors;
  out["total_input_tokens"] = input;
  out["total_output_tokens"] = output;
  out["request_throughput"] = completed / duration;
  out["output_throughput"] = output / duration;
  out["total_token_throughput"] = (input + output) / duration;
  add_stats(out, "ttft", ttft);
  add_stats(out, "tpot", tpot);
  add_stats(out, "itl", itl);
  add_stats(out, "e2el", e2e);
  if (!device_after.empty()) {
    auto delta = [&](const char* k) {
      auto a = device_after.find(k);
      auto b = device_before.find(k);
      return (a == device_after.end() ? 0.0 : a->second) - (b == device_before.end() ? 0.0 : b->second);
    };
    const double busy = delta("npu:device_busy_seconds_total");
    nlohmann::json dev{{"busy_s", busy},
                       {"energy_j", delta("npu:device_energy_joules")},
                       {"prefill_s", delta("npu:device_prefill_seconds_total")},
                       {"decode_s", delta("npu:device_decode_seconds_total")}};
    dev["output_tokens_per_busy_s"] = busy > 0 ? output / busy : 0.0;
    out["npu_device"] = std::move(dev);
    const double stream = delta("npu:server_stream_seconds_total");
    const double stream_cpu = delta("npu:server_stream_cpu_seconds_total");
    out["npu_server"] = {{"stream_seconds", stream},
                         {"stream_seconds_per_token", output > 0 ? stream / output : 0.0},
                         {"stream_cpu_seconds", stream_cpu},
                         {"stream_cpu_seconds_per_token", output > 0 ? stream_cpu / output : 0.0}};
  }
  return out;
}

}  // namespace npu::server
