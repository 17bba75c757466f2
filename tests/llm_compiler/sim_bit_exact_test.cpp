// The simulator's outputs bit-identical to the compiler's own emulation of the quantized numerics
// (issue 4): tiny models (LFM2, its routed-experts variant LFM2-MoE, Qwen2, Llama 3, Qwen3)
// compiled with the default, w4a8, w8a8 and w4a8-block32 policies run through the whole stack
// (genai::LLM -> runtime -> driver -> hal -> firmware -> simulated device) and through
// LlmEmulation, and every logit vector must agree bit for bit: after a partial prefill chunk, a
// full chunk, a prompt split by the runtime (remainder first), and a series of TBT steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "llm_test_util.hpp"
#include "npu/compiler/llm_emulation.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"

namespace npu::compiler::llm {
namespace {

constexpr std::uint32_t kChunk = 8;

struct Case {
  const char* name;
  const char* policy;
  ModelConfig config;
  std::uint64_t seed;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  // "w4a8-block32": w4a8 with one scale per 32 inputs (kLinear with G > 0 on int4 and int8).
  for (const char* policy : {"default", "w4a8", "w8a8", "w4a8-block32"}) {
    out.push_back({"lfm2_gqa2", policy, testing::tiny_lfm2("ccac", 2), 3});
    out.push_back({"lfm2_gqa4_untied", policy, testing::tiny_lfm2("caca", 1, false), 4});
    out.push_back({"qwen2_gqa2", policy, testing::tiny_attention_model(Architecture::kQwen2, 2, 2), 5});
    out.push_back({"lfm2moe_3_of_8", policy, testing::tiny_lfm2moe(), 8});
  }
  out.push_back({"llama3_rope_scaled", "default", testing::tiny_llama3(2, 2), 6});
  out.push_back({"qwen3_wide_heads", "default", testing::tiny_qwen3(2, 2), 7});
  return out;
}

// Index of the first logit whose bits differ, or -1.
long first_bit_difference(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) return static_cast<long>(i);
  }
  return -1;
}

class SimBitExactTest : public ::testing::TestWithParam<Case> {};

TEST_P(SimBitExactTest, SimulatorLogitsEqualTheEmulationBitForBit) {
  const Case& k = GetParam();
  auto model = testing::make_tiny(k.config, k.seed);
  const bool block32 = std::string(k.policy) == "w4a8-block32";
  auto options = testing::tiny_options(block32 ? "w4a8" : k.policy, kChunk, 64);
  if (block32) options.policy.conv.group = options.policy.attention.group = 32;
  options.calibration_tokens = 48;
  auto device = load_device_memory("hailo10h");
  ASSERT_TRUE(device) << device.error().what();
  options.device = *device;
  const CompiledLlm compiled = testing::compile_tiny(model, options);
  ASSERT_FALSE(compiled.prefill_ops.empty());
  const auto npk = testing::temp_path(std::string(k.name) + "_" + k.policy + ".npk");
  ASSERT_TRUE(write_llm_npk(compiled, npk));

  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  auto llm = genai::LLM::create(**vdevice, {.model_path = npk});
  ASSERT_TRUE(llm) << llm.error().what();
  auto emu = LlmEmulation::create(compiled);
  ASSERT_TRUE(emu) << emu.error().what();

  std::vector<std::int32_t> tokens;
  for (std::int32_t i = 0; i < 40; ++i) tokens.push_back(1 + (i * 53 + 11) % 299);
  std::span<const std::int32_t> all(tokens);
  std::size_t compared = 0;
  auto check = [&](const std::string& what, std::span<const float> emulated) {
    const std::span<const float> on_sim = (*llm)->logits();
    ASSERT_EQ(on_sim.size(), k.config.vocab_size) << what;
    const auto [lo, hi] = std::minmax_element(on_sim.begin(), on_sim.end());
    EXPECT_LT(*lo, *hi) << what << ": constant logits";
    const long at = first_bit_difference(on_sim, emulated);
    EXPECT_EQ(at, -1) << what << ": logit " << at << " is " << (at >= 0 ? on_sim[std::size_t(at)] : 0.0f)
                      << " on the simulator, " << (at >= 0 ? emulated[std::size_t(at)] : 0.0f) << " emulated";
    ++compared;
  };

  // A partial chunk (3 rows), then a full one (8 rows).
  ASSERT_TRUE((*llm)->prefill(all.subspan(0, 3)));
  auto e = emu->prefill(all.subspan(0, 3));
  ASSERT_TRUE(e) << e.error().what();
  check("partial chunk at position 0", *e);
  ASSERT_TRUE((*llm)->prefill(all.subspan(3, 8)));
  e = emu->prefill(all.subspan(3, 8));
  ASSERT_TRUE(e);
  check("full chunk at position 3", *e);
  // 13 tokens: the runtime runs the remainder (5) first, then a full chunk.
  ASSERT_TRUE((*llm)->prefill(all.subspan(11, 13)));
  ASSERT_TRUE(emu->prefill(all.subspan(11, 5)));
  e = emu->prefill(all.subspan(16, 8));
  ASSERT_TRUE(e);
  check("prompt of 5 + 8 at position 11", *e);
  // TBT steps, fed the emulation's own greedy choice.
  for (int step = 0; step < 10; ++step) {
    const std::int32_t next = emu->next_token();
    ASSERT_TRUE((*llm)->prefill(std::span(&next, 1), genai::PrefillMode::kTokenByToken));
    e = emu->step(next);
    ASSERT_TRUE(e);
    check("TBT step " + std::to_string(step), *e);
  }
  EXPECT_EQ(compared, 13u);
  EXPECT_EQ((*llm)->context_usage(), emu->position());
  std::filesystem::remove(npk);
}

INSTANTIATE_TEST_SUITE_P(Policies, SimBitExactTest, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) {
                           std::string policy = param_info.param.policy;
                           std::replace(policy.begin(), policy.end(), '-', '_');
                           return std::string(param_info.param.name) + "_" + policy;
                         });

}  // namespace
}  // namespace npu::compiler::llm
