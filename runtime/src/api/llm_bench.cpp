// genai::bench (npu/genai/llm_bench.hpp): sessions generating at once, their figures, the device
// profile's per-layer report, fairness and the cost of switching between sessions.
#include "npu/genai/llm_bench.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "npu/common/seconds.hpp"

namespace npu::genai {
namespace {

using Clock = std::chrono::steady_clock;

struct Run {
  SessionFigures figures;
  std::uint64_t end_cycle = 0;  // device 0's clock when the generation ended
  std::optional<Error> error;
};

// The synthetic prompt: token ids, or, for a text-only model (HailoRT tokenizes on the device),
// text of about the same number of tokens.
struct Prompt {
  std::vector<TokenId> ids;
  std::string text;
  std::uint32_t tokens = 0;
};

// Prompt length when the caller gives none and the model has no prefill chunk of its own (a
// text-only model): 96 tokens, the prefill chunk of Hailo's LLM releases.
constexpr std::uint32_t kTextOnlyPromptTokens = 96;

// Text of `n` tokens (as the model's tokenizer counts them) or a little fewer: words of a fixed
// sentence, their number corrected from the tokenizer's count.
Expected<Prompt> text_prompt(LLM& llm, std::uint32_t n) {
  static constexpr std::string_view kWords[] = {"the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while",
                                                "seven", "small", "birds", "sing", "near", "an", "old", "river"};
  auto text_of = [&](std::uint32_t words) {
    std::string t;
    for (std::uint32_t i = 0; i < words; ++i) {
      if (i) t += ' ';
      t += kWords[i % std::size(kWords)];
    }
    return t;
  };
  Prompt p;
  std::uint32_t words = n;
  for (int round = 0; round < 4; ++round) {
    p.text = text_of(words);
    NPU_TRY_ASSIGN(auto ids, llm.tokenize(p.text));
    p.tokens = static_cast<std::uint32_t>(ids.size());
    if (p.tokens == n || p.tokens == 0) break;
    const auto next = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::uint64_t{words} * n / p.tokens));
    if (next == words) break;
    words = next;
  }
  while (p.tokens > n && words > 1) {  // never longer than asked
    p.text = text_of(--words);
    NPU_TRY_ASSIGN(auto ids, llm.tokenize(p.text));
    p.tokens = static_cast<std::uint32_t>(ids.size());
  }
  return p;
}

void run_session(VDevice& vdevice, LLM& llm, const Prompt& prompt, const BenchOptions& o, Run& out) {
  GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = o.timing_only;
  p.max_generated_tokens = o.gen_tokens;
  const auto start = Clock::now();
  auto gen = prompt.ids.empty() ? llm.generate(std::string_view(prompt.text), p)
                                 : llm.generate(std::span<const TokenId>(prompt.ids), p);
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
    if (ev->kind == OutputKind::kEnd) break;
  }
  out.figures.wall = Clock::now() - start;
  out.figures.stats = gen->stats();
  if (auto now = vdevice.stats(0)) out.end_cycle = now->cycles;
}

std::uint32_t context_named(const std::vector<std::pair<std::uint32_t, std::string>>& names, const char* name) {
  for (const auto& [id, n] : names)
    if (n == name) return id;
  return kNoContext;
}

}  // namespace

double jain_fairness(std::span<const double> rates) noexcept {
  double sum = 0, sq = 0;
  for (double v : rates) sum += v, sq += v * v;
  return sq == 0 ? 0.0 : sum * sum / (static_cast<double>(rates.size()) * sq);
}

std::vector<LayerFigures> layer_figures(std::span<const ProfileRecord> records, std::uint32_t context_id, double runs,
                                        std::uint32_t clock_khz) {
  std::vector<LayerFigures> out;
  runs = std::max(runs, 1.0);
  const double hz = clock_khz * 1e3;
  for (const auto& l : summarize_layers(records, context_id)) {
    LayerFigures f;
    f.layer = l.layer;
    f.ops = static_cast<double>(l.ops) / runs;
    f.cycles = static_cast<double>(l.cycles) / runs;
    f.seconds = hz > 0 ? f.cycles / hz : 0.0;
    f.compute_cycles = static_cast<double>(l.compute_cycles) / runs;
    f.memory_cycles = static_cast<double>(l.memory_cycles) / runs;
    f.ddr_bytes = static_cast<double>(l.bytes) / runs;
    f.energy_j = l.energy_j / runs;
    f.memory_bound = l.memory_bound();
    out.push_back(f);
  }
  return out;
}

Expected<BenchReport> bench(VDevice& vdevice, LLM& llm, const BenchOptions& o) {
  const auto& info = llm.info();
  const std::uint32_t n_prompt =
      o.prompt_tokens.value_or(info.text_only && info.prefill_chunk == 0 ? kTextOnlyPromptTokens : info.prefill_chunk);
  if (n_prompt == 0 || n_prompt + o.gen_tokens > info.context_length || o.sessions == 0) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("prompt tokens {} + generated tokens {} must be 1..{} (the model's context), with at "
                            "least one session", n_prompt, o.gen_tokens, info.context_length));
  }
  Prompt prompt;
  if (info.text_only) {
    NPU_TRY_ASSIGN(prompt, text_prompt(llm, n_prompt));
  } else {
    if (info.vocab == 0) return fail(ErrorCode::kInvalidArgument, fmt::format("model '{}' reports no vocabulary", info.name));
    prompt.ids.resize(n_prompt);
    for (std::uint32_t i = 0; i < n_prompt; ++i) prompt.ids[i] = static_cast<TokenId>((i * 7919u + 11u) % info.vocab);
    prompt.tokens = n_prompt;
  }
  std::vector<std::unique_ptr<LLM>> extra;
  std::vector<LLM*> sessions{&llm};
  for (std::uint32_t i = 1; i < o.sessions; ++i) {
    NPU_TRY_ASSIGN(auto s, llm.create_session());
    sessions.push_back(s.get());
    extra.push_back(std::move(s));
  }
  BenchReport report;
  report.prompt_tokens = prompt.tokens;
  NPU_TRY_ASSIGN(report.before, vdevice.stats(0));
  // Devices without a profile (firmware before ABI 1.1, HailoRT, npud) still bench, without it.
  auto started = llm.start_device_profile();
  report.profiled = started.has_value();
  if (!report.profiled && o.trace) return fail(started.error().with_context("trace: no device profile"));
  std::vector<Run> runs(sessions.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      threads.emplace_back([&, i] { run_session(vdevice, *sessions[i], prompt, o, runs[i]); });
    }
  }
  NPU_TRY_ASSIGN(report.after, vdevice.stats(0));
  for (const auto& r : runs) {
    if (r.error) return fail(*r.error);
  }
  const double clock_hz = vdevice.identity(0).clock_khz * 1e3;
  std::uint64_t step_cycles = 0;
  std::vector<double> device_rates;
  for (auto& r : runs) {
    auto& f = r.figures;
    f.host_tokens_per_s = f.wall.count() == 0 ? 0.0 : f.stats.generated_tokens / seconds(f.wall);
    const double span_s = r.end_cycle > report.before.cycles && clock_hz > 0
                              ? static_cast<double>(r.end_cycle - report.before.cycles) / clock_hz
                              : 0.0;
    f.device_tokens_per_s = span_s > 0 ? f.stats.generated_tokens / span_s : 0.0;
    device_rates.push_back(f.device_tokens_per_s);
    step_cycles += f.stats.device_cycles;
    report.sessions.push_back(f);
  }
  if (report.profiled) {
    NPU_TRY_ASSIGN(auto profile, llm.read_device_profile());
    const auto contexts = llm.device_contexts();
    const auto& s = report.sessions[0].stats;
    report.decode_layers = layer_figures(profile.records, context_named(contexts, "tbt"), s.tbt_runs, profile.clock_khz);
    report.prefill_layers =
        layer_figures(profile.records, context_named(contexts, "prefill"), s.prefill_runs, profile.clock_khz);
    report.profile_records = profile.records.size();
    report.profile_dropped = profile.dropped;
    if (o.trace) report.trace_json = chrome_trace_json(profile, vdevice.identity(0).board_name, contexts);
  }
  if (sessions.size() > 1) {
    // Fairness on the device's clock (deterministic, unlike host wall time): sessions served in
    // turn all end in the last round (index ~1); served one after another, they end far apart.
    report.jain_fairness = jain_fairness(device_rates);
    report.context_switches = report.after.context_switches - report.before.context_switches;
    const std::uint64_t busy = report.after.busy_cycles - report.before.busy_cycles;
    report.switch_overhead_cycles = busy > step_cycles ? busy - step_cycles : 0;
    report.switch_overhead_fraction =
        busy == 0 ? 0.0 : static_cast<double>(report.switch_overhead_cycles) / static_cast<double>(busy);
  }
  return report;
}

}  // namespace npu::genai
