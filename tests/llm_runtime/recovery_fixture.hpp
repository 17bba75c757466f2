// What the recovery tests read from a generation: its tokens, how it ended, the recovery notices
// (kRecovery events) and the stats.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "llm_fixture.hpp"

namespace npu::test {

struct Outcome {
  std::vector<genai::TokenId> tokens;
  genai::GenerationStatus status = genai::GenerationStatus::kGenerating;
  std::vector<std::vector<float>> logits;  // with each token, when the params return them
  std::vector<std::string> recoveries;     // kRecovery texts
  genai::GenerationStats stats;
  std::optional<Error> error;              // read() failed with it
};

// Reads a generation to its end, without failing the test on a read error (it is recorded).
inline Outcome drain(genai::Generator& gen) {
  Outcome r;
  while (true) {
    auto out = gen.read(std::chrono::seconds(60));
    if (!out) {
      r.error = out.error();
      r.status = gen.status();
      break;
    }
    if (out->kind == genai::OutputKind::kEnd) {
      r.status = out->status;
      break;
    }
    if (out->kind == genai::OutputKind::kRecovery) {
      r.recoveries.push_back(out->text);
      continue;
    }
    if (out->token < 0) continue;
    r.tokens.push_back(out->token);
    if (!out->logits.empty()) r.logits.push_back(out->logits);
  }
  r.stats = gen.stats();
  return r;
}

// Seeded sampling (temperature 1.5, top-k 40, seed 1234), 20 tokens.
inline genai::GeneratorParams seeded_sampling() {
  genai::GeneratorParams p;
  p.temperature = 1.5f;
  p.top_k = 40;
  p.seed = 1234;
  p.ignore_end_tokens = true;
  p.max_generated_tokens = 20;
  return p;
}

// `count` faults of the kinds a device reset recovers from, at random points of a campaign of
// about `runs` runs and `transfers` DMA transfers, as a fault plan.
inline std::string random_reset_faults(std::mt19937& rng, int count, std::uint32_t runs, std::uint32_t transfers) {
  const char* kinds[] = {"firmware_crash@run", "memory_error@run", "dma_error@dma", "firmware_hang@run"};
  std::string plan;
  for (int f = 0; f < count; ++f) {
    const char* kind = kinds[rng() % std::size(kinds)];
    const bool dma = std::string(kind).starts_with("dma");
    const std::uint32_t at = 1 + rng() % (dma ? transfers : runs);
    plan += fmt::format("{}{}={}", plan.empty() ? "" : ",", kind, at);
  }
  return plan;
}

// Each session generates its prompt at once with the others (a thread each).
inline std::vector<Outcome> generate_at_once(const std::vector<std::unique_ptr<genai::LLM>>& sessions,
                                             const std::vector<std::vector<genai::TokenId>>& prompts,
                                             const genai::GeneratorParams& params) {
  std::vector<Outcome> got(sessions.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    threads.emplace_back([&, i] {
      auto gen = sessions[i]->generate(prompts[i], params);
      if (!gen) {
        got[i].error = gen.error();
        return;
      }
      got[i] = drain(*gen);
    });
  }
  for (auto& t : threads) t.join();
  return got;
}

// Recovery figures over campaigns (host wall time of the rebuilds).
struct RecoveryTally {
  std::uint32_t count = 0;
  std::chrono::nanoseconds total{0}, longest{0};
  void add(const genai::GenerationStats& s) {
    count += s.recoveries;
    total += s.recovery_time;
    if (s.recoveries) longest = std::max(longest, s.recovery_time / s.recoveries);
  }
  [[nodiscard]] std::string summary() const {
    return fmt::format("{} recoveries, mean {:.2f} ms, longest {:.2f} ms (host wall time)", count,
                       count ? std::chrono::duration<double, std::milli>(total).count() / count : 0.0,
                       std::chrono::duration<double, std::milli>(longest).count());
  }
};

}  // namespace npu::test
