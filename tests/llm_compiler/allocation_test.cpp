// The allocation plan against a device profile: the hailo10h profile found by name, conv state
// and conv weights pinned in SRAM while they fit, KV caches in DDR, and a context that does not fit
// refused at compile time with the numbers.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llm_test_util.hpp"

namespace npu::compiler::llm {
namespace {

TEST(LlmAllocation, FindsTheHailo10hProfileByName) {
  auto d = load_device_memory("hailo10h");
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ(d->sram_bytes, 16u * 1024 * 1024);
  EXPECT_EQ(d->ddr_bytes, 8ull * 1024 * 1024 * 1024);
  auto pi = load_device_memory("rpi5-x1-gen2");  // inherits the memories from its base
  ASSERT_TRUE(pi) << pi.error().what();
  EXPECT_EQ(pi->ddr_bytes, d->ddr_bytes);
  auto missing = load_device_memory("no-such-device");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("NPU_PROFILE_DIR"), std::string::npos);
}

TEST(LlmAllocation, ConvStateAndWeightsInSramKvInDdr) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ccac"));
  auto o = testing::tiny_options("default");
  o.calibration_tokens = 0;
  const CompiledLlm m = testing::compile_tiny(model, o);
  const AllocationPlan& p = m.allocation;
  bool saw_kv = false, saw_conv_state = false, saw_conv_weights = false;
  for (const PlanEntry& e : p.entries) {
    if (e.name.find(".kv") != std::string::npos) {
      saw_kv = true;
      EXPECT_EQ(e.memory, "ddr");
    }
    if (e.name == "state.blk.0.conv") {
      saw_conv_state = true;
      EXPECT_EQ(e.memory, "sram");
    }
    if (e.name == "blk.1.shortconv.in_proj.weight") {
      saw_conv_weights = true;
      EXPECT_EQ(e.memory, "sram");
    }
    if (e.name == "blk.2.attn_q.weight") {
      EXPECT_EQ(e.memory, "ddr");
    }
  }
  EXPECT_TRUE(saw_kv && saw_conv_state && saw_conv_weights);
  EXPECT_GT(p.sram_used, 0u);
  EXPECT_LE(p.sram_used + p.sram_reserved, p.sram_capacity);
  EXPECT_EQ(p.ddr_used, m.layout.segments.weights + m.layout.segments.io + m.layout.segments.scratch +
                            m.layout.segments.state);
  auto j = nlohmann::json::parse(allocation_json(p));
  EXPECT_EQ(j["sram"]["used"], p.sram_used);
}

TEST(LlmAllocation, SmallSramPinsOnlyWhatFits) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ccac"));
  auto o = testing::tiny_options("default");
  o.calibration_tokens = 0;
  o.device.sram_bytes = 4096;  // room for conv state and taps only
  const CompiledLlm m = testing::compile_tiny(model, o);
  for (const PlanEntry& e : m.allocation.entries) {
    if (e.name.find("in_proj") != std::string::npos && e.name.find("scales") == std::string::npos) {
      EXPECT_EQ(e.memory, "ddr") << e.name;
    }
  }
  EXPECT_LE(m.allocation.sram_used, 3072u);
}

TEST(LlmAllocation, ContextThatDoesNotFitIsRefusedWithNumbers) {
  const auto profile = testing::temp_path("small.json");
  std::ofstream(profile) << R"({"name": "tiny-ddr", "base": "hailo10h",
                                "params": {"ddr_bytes": {"value": 1500000, "why": "test"}}})";
  auto d = load_device_memory(profile.string());
  std::filesystem::remove(profile);
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ(d->ddr_bytes, 1500000u);
  EXPECT_EQ(d->sram_bytes, 16u * 1024 * 1024);
  auto model = testing::make_tiny(testing::tiny_lfm2("aaaa", 4));
  auto o = testing::tiny_options("fp32", 8, 4096);
  o.calibration_tokens = 0;
  o.device = *d;
  auto r = compile_llm(model.source, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kOutOfMemory);
  const std::string& msg = r.error().message();
  EXPECT_NE(msg.find("context 4096"), std::string::npos) << msg;
  EXPECT_NE(msg.find("KV cache 8.0 MiB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tiny-ddr"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--context"), std::string::npos) << msg;
  // The suggested context does fit.
  const auto at = msg.find("use --context ");
  ASSERT_NE(at, std::string::npos);
  o.context_length = static_cast<std::uint32_t>(std::stoul(msg.substr(at + 14)));
  EXPECT_TRUE(compile_llm(model.source, o)) << o.context_length;
}

}  // namespace
}  // namespace npu::compiler::llm
