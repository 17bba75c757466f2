// The quantized policies of Llama 3.x (llama3 and linear RoPE scaling), Qwen2.5 and Qwen3 through
// the whole stack: each tiny model compiled under every built-in policy runs on the simulator
// (genai::LLM -> runtime -> driver -> hal -> firmware -> simulated device), teacher-forced with
// the fp32 reference's own greedy tokens, and the simulator's logits at the end of a chunked
// prompt and at every TBT step keep the logits SQNR docs/llm.md documents against the fp32
// reference (quantized_floors.hpp); w8a8 and the default policy rank above w4a8.
#include <gtest/gtest.h>

#include <map>

#include "llm_test_util.hpp"
#include "npu/compiler/reference_model.hpp"
#include "npu/compiler/sqnr.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "quantized_floors.hpp"

namespace npu::compiler::llm {
namespace {

constexpr std::uint32_t kChunk = 8, kPrompt = 13, kSteps = 24;

struct StackResult {
  double sqnr_db = 0;
  int top1_agree = 0, compared = 0;
};

StackResult run_on_simulator(const testing::ArchitectureCase& c, const testing::TinyModel& model, const char* policy) {
  StackResult r;
  auto options = testing::tiny_options(policy, kChunk, 64);
  options.calibration_tokens = 48;
  auto device = load_device_memory("hailo10h");
  EXPECT_TRUE(device) << device.error().what();
  if (!device) return r;
  options.device = *device;
  const CompiledLlm compiled = testing::compile_tiny(model, options);
  const auto npk = testing::temp_path(std::string(c.name) + "_" + policy + "_stack.npk");
  EXPECT_TRUE(write_llm_npk(compiled, npk));
  auto vdevice = VDevice::create();
  EXPECT_TRUE(vdevice) << vdevice.error().what();
  if (!vdevice) return r;
  auto llm = genai::LLM::create(**vdevice, {.model_path = npk});
  EXPECT_TRUE(llm) << llm.error().what();
  auto ref = ReferenceModel::create(c.config, *model.weights);
  EXPECT_TRUE(ref) << ref.error().what();
  if (!llm || !ref) return r;

  Sqnr sqnr;
  auto compare = [&](std::span<const float> want) {
    const std::span<const float> got = (*llm)->logits();
    EXPECT_EQ(got.size(), want.size());
    sqnr.add(want, got);
    r.top1_agree += argmax(want) == argmax(got) ? 1 : 0;
    ++r.compared;
  };
  std::vector<std::int32_t> prompt{1};
  for (std::uint32_t i = 1; i < kPrompt; ++i) prompt.push_back(static_cast<std::int32_t>(32 + (i * 37 + i * i * 11) % 90));
  EXPECT_TRUE((*llm)->prefill(prompt, genai::PrefillMode::kChunked));  // 5 + 8 rows
  auto want = ref->forward(std::span<const std::int32_t>(prompt));
  EXPECT_TRUE(want) << want.error().what();
  if (!want) return r;
  compare(*want);
  for (std::uint32_t step = 0; step < kSteps; ++step) {
    const std::int32_t next = argmax(*want);  // the reference's greedy token, fed to both
    EXPECT_TRUE((*llm)->prefill(std::span(&next, 1), genai::PrefillMode::kTokenByToken));
    want = ref->forward(next);
    EXPECT_TRUE(want) << want.error().what();
    if (!want) return r;
    compare(*want);
  }
  std::filesystem::remove(npk);
  r.sqnr_db = sqnr.db();
  return r;
}

class QuantizedStackTest : public ::testing::TestWithParam<testing::ArchitectureCase> {};

TEST_P(QuantizedStackTest, SimulatorLogitsKeepTheDocumentedSqnrOfEachPolicy) {
  const testing::ArchitectureCase& c = GetParam();
  const auto model = testing::make_tiny(c.config, c.seed);
  std::map<std::string, double> db;
  for (const testing::PolicyFloor& floor : testing::kPolicyFloors) {
    const StackResult r = run_on_simulator(c, model, floor.policy);
    ASSERT_EQ(r.compared, static_cast<int>(kSteps + 1)) << floor.policy;
    std::fprintf(stderr, "[stack-sqnr] %s %s: logits %.1f dB (floor %.0f), top-1 %d/%d\n", c.name, floor.policy,
                 r.sqnr_db, floor.stack_db, r.top1_agree, r.compared);
    EXPECT_GE(r.sqnr_db, floor.stack_db) << floor.policy;
    db[floor.policy] = r.sqnr_db;
  }
  EXPECT_GT(db.at("fp32"), db.at("w8a8") + 60.0);
  EXPECT_GT(db.at("w8a8"), db.at("w4a8") + testing::kW8OverW4StackDb);
  EXPECT_GT(db.at("default"), db.at("w4a8") + testing::kW8OverW4StackDb);
  EXPECT_NEAR(db.at("default"), db.at("w8a8"), 1.0);
}

INSTANTIATE_TEST_SUITE_P(NewerArchitectures, QuantizedStackTest, ::testing::ValuesIn(testing::newer_architectures()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace npu::compiler::llm
