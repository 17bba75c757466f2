// Lowering of tiny LFM2 / Qwen2 / Llama models: the op sequence per layer kind, row-count flags,
// the io contract of docs/npk-llm.md, per-layer state, and one shared weights segment.
#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llm_test_util.hpp"
#include "npu_abi/mailbox.hpp"

namespace npu::compiler::llm {
namespace {

using abi::OpCode;

std::size_t count(const std::vector<abi::OpDesc>& ops, OpCode code) {
  return static_cast<std::size_t>(std::count_if(ops.begin(), ops.end(), [&](const abi::OpDesc& o) {
    return o.opcode == static_cast<std::uint16_t>(code);
  }));
}

// Every kRope reads the one frequency table in the weights (Llama 3 scaling included), holding
// rope_frequencies() of the config; theta is not passed.
TEST(LlmLowering, RopeReadsTheFrequencyTable) {
  const ModelConfig c = testing::tiny_llama3(2, 2);
  auto model = testing::make_tiny(c);
  auto o = testing::tiny_options("default");
  o.calibration_tokens = 16;
  const CompiledLlm m = testing::compile_tiny(model, o);
  const std::vector<double> expected = rope_frequencies(c);
  std::size_t ropes = 0;
  for (const abi::OpDesc& op : m.prefill_ops) {
    if (op.opcode != static_cast<std::uint16_t>(OpCode::kRope)) continue;
    ++ropes;
    ASSERT_EQ(op.operands[1].segment, static_cast<std::uint8_t>(abi::Segment::kWeights));
    EXPECT_EQ(op.params[0], 0);
    ASSERT_LE(op.operands[1].offset + 4 * expected.size(), m.weights.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      float f;
      std::memcpy(&f, m.weights.data() + op.operands[1].offset + 4 * i, 4);
      EXPECT_EQ(f, static_cast<float>(expected[i])) << i;
    }
  }
  EXPECT_EQ(ropes, 4u);
  // The scaling changes the table: the lowest frequency is divided by the factor 8.
  const std::vector<double> plain = rope_frequencies(c.rope_theta, c.head_dim);
  EXPECT_NEAR(expected.back(), plain.back() / 8, 1e-12);
  EXPECT_EQ(expected.front(), plain.front());
}

TEST(LlmLowering, Lfm2HybridOpsPerLayerKind) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ccac"));
  auto o = testing::tiny_options("default");
  o.calibration_tokens = 16;
  const CompiledLlm m = testing::compile_tiny(model, o);
  ASSERT_FALSE(m.prefill_ops.empty());
  for (const auto* ops : {&m.prefill_ops, &m.tbt_ops}) {
    EXPECT_EQ(count(*ops, OpCode::kShortConv), 3u);
    EXPECT_EQ(count(*ops, OpCode::kKvAppend), 1u);
    EXPECT_EQ(count(*ops, OpCode::kAttention), 1u);
    EXPECT_EQ(count(*ops, OpCode::kRope), 2u);
    EXPECT_EQ(count(*ops, OpCode::kEmbed), 1u);
    EXPECT_EQ(count(*ops, OpCode::kArgmax), 1u);
    EXPECT_EQ(count(*ops, OpCode::kSwiGlu), 4u);
    // Per layer: in_proj/out_proj or q,k,v,o; gate, up, down; plus the head.
    EXPECT_EQ(count(*ops, OpCode::kLinear), 3u * 2 + 4 + 4u * 3 + 1);
    // attn + ffn + final norm + per-head q and k norms.
    EXPECT_EQ(count(*ops, OpCode::kRmsNorm), 4u * 2 + 1 + 2);
    EXPECT_EQ(ops->front().opcode, static_cast<std::uint16_t>(OpCode::kEmbed));
    EXPECT_EQ(ops->back().opcode, static_cast<std::uint16_t>(OpCode::kArgmax));
  }
  // Row-wise ops of the prefill program process only the valid rows; TBT has one row.
  for (const abi::OpDesc& op : m.prefill_ops) {
    if (op.opcode == static_cast<std::uint16_t>(OpCode::kLinear) && op.dims[0] == 8) {
      EXPECT_TRUE(op.flags & abi::kRowsFromParam);
    }
  }
  for (const abi::OpDesc& op : m.tbt_ops) {
    if (op.opcode == static_cast<std::uint16_t>(OpCode::kEmbed)) {
      EXPECT_EQ(op.dims[0], 1u);
    }
  }
  // Conv layers: int4 in_proj; attention layer: int8 q; the head int8 per block of 32.
  auto linear_dtypes = [&](abi::DType t) {
    return std::count_if(m.prefill_ops.begin(), m.prefill_ops.end(), [&](const abi::OpDesc& op) {
      return op.opcode == static_cast<std::uint16_t>(OpCode::kLinear) && op.operands[1].dtype == static_cast<std::uint8_t>(t);
    });
  };
  EXPECT_EQ(linear_dtypes(abi::DType::kI4), 3 * 2 + 3 * 3);
  EXPECT_EQ(linear_dtypes(abi::DType::kI8), 4 + 3 + 1);
  const abi::OpDesc& head = *std::find_if(m.prefill_ops.rbegin(), m.prefill_ops.rend(), [](const abi::OpDesc& op) {
    return op.opcode == static_cast<std::uint16_t>(OpCode::kLinear);
  });
  EXPECT_EQ(head.dims[3], 32u);
  EXPECT_EQ(head.dims[2], 300u);
  EXPECT_EQ(head.operands[3].segment, static_cast<std::uint8_t>(abi::Segment::kIo));
  EXPECT_EQ(m.prefill_layer_end.size(), 4u);
}

TEST(LlmLowering, IoLayoutFollowsTheNpkContract) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ca"));
  auto o = testing::tiny_options("fp32", 128, 256);
  o.calibration_tokens = 0;
  const CompiledLlm m = testing::compile_tiny(model, o);
  EXPECT_EQ(m.layout.io.tokens_offset, 0u);
  EXPECT_EQ(m.layout.io.tokens_count, 128u);
  EXPECT_EQ(m.layout.io.logits_offset, 512u);
  EXPECT_EQ(m.layout.io.next_token_offset, 1728u);  // 512 + 4 * 300, aligned to 64
  // State: conv layer holds L-1 rows of hidden floats; attention layer K and V for the context.
  ASSERT_EQ(m.layout.state.size(), 2u);
  EXPECT_EQ(m.layout.state[0].bytes, 2u * 64 * 4);
  EXPECT_EQ(m.layout.state[1].bytes, 2u * 256 * 2 * 16 * 4);
  auto meta = nlohmann::json::parse(m.metadata_json);
  EXPECT_EQ(meta["kind"], "llm");
  EXPECT_EQ(meta["io"]["logits"]["offset"], 512);
  EXPECT_EQ(meta["io"]["next_token"]["offset"], 1728);
  EXPECT_EQ(meta["subnets"][0]["rows"], 128);
  EXPECT_EQ(meta["subnets"][1]["name"], "tbt");
  EXPECT_EQ(meta["config"]["layer_types"][1], "attention");
  EXPECT_EQ(meta["segments"]["weights"], m.weights.size());
  // Both programs read the one weights segment and use the same io/scratch/state.
  for (const auto* ops : {&m.prefill_ops, &m.tbt_ops}) {
    for (const abi::OpDesc& op : *ops) {
      for (const abi::Operand& x : op.operands) {
        if (x.segment == static_cast<std::uint8_t>(abi::Segment::kWeights)) {
          EXPECT_LT(x.offset, m.weights.size());
        }
      }
    }
  }
}

TEST(LlmLowering, Qwen2BiasesBecomeBroadcastAdds) {
  auto model = testing::make_tiny(testing::tiny_attention_model(Architecture::kQwen2, 2, 1));
  auto o = testing::tiny_options("w8a8");
  o.calibration_tokens = 16;
  const CompiledLlm m = testing::compile_tiny(model, o);
  const auto broadcast = std::count_if(m.tbt_ops.begin(), m.tbt_ops.end(), [](const abi::OpDesc& op) {
    return op.opcode == static_cast<std::uint16_t>(OpCode::kAdd) && (op.flags & abi::kBroadcastB);
  });
  EXPECT_EQ(broadcast, 2 * 3);
  EXPECT_EQ(count(m.tbt_ops, OpCode::kShortConv), 0u);
  EXPECT_EQ(count(m.tbt_ops, OpCode::kRmsNorm), 2u * 2 + 1);  // no q/k norm in Qwen2
}

TEST(LlmLowering, RefusesBadContextAndChunk) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ca"));
  auto o = testing::tiny_options("fp32");
  o.context_length = 100;
  auto r = compile_llm(model.source, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("--context 100"), std::string::npos);
  o.context_length = 256;
  o.prefill_chunk = 0;
  EXPECT_FALSE(compile_llm(model.source, o));
  o.prefill_chunk = 8;
  o.context_length = 8192;
  auto too_long = compile_llm(model.source, o);  // the tiny config says 4096 positions
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message().find("4096"), std::string::npos);
}

}  // namespace
}  // namespace npu::compiler::llm
