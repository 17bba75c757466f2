// Op shape -> WorkItem, the event-ordered schedule, workload plans and passes.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "models.hpp"
#include "npu/sim/workload_model.hpp"
#include "npu/sim/workload_ops.hpp"

namespace npu::sim {
namespace {

TEST(WorkloadOps, GemmCountsMacsAndQuantizedBytes) {
  OpShape g;
  g.kind = OpKind::kGemm;
  g.m = 4;
  g.k = 64;
  g.n = 32;
  g.scheme = QuantScheme::kW4A8;
  g.group_size = 32;
  const WorkItem w4 = make_work_item(g);
  EXPECT_EQ(w4.macs, 4u * 64 * 32);
  EXPECT_EQ(w4.precision, Precision::kInt8);  // W4A8 runs on the int8 arrays
  EXPECT_EQ(w4.weight_bytes, 64u * 32 / 2 + 64 * 32 / 32 * 2);
  EXPECT_EQ(w4.act_bytes_in, 4u * 64);
  EXPECT_EQ(w4.act_bytes_out, 4u * 32);
  g.scheme = QuantScheme::kW8A8;
  g.group_size = 0;  // one fp32 scale per output row (the compiler's w8a8)
  g.bias = true;
  EXPECT_EQ(make_work_item(g).weight_bytes, 64u * 32 + 32 * 4 + 32 * 4);
  g.scheme = QuantScheme::kW8A16;
  EXPECT_EQ(make_work_item(g).precision, Precision::kInt16);
  EXPECT_EQ(make_work_item(g).act_bytes_in, 4u * 64 * 2);
}

TEST(WorkloadOps, AttentionReadsTheKvCache) {
  OpShape a;
  a.kind = OpKind::kAttention;
  a.m = 1;
  a.heads = 8;
  a.kv_heads = 2;
  a.head_dim = 64;
  a.cached = 100;
  a.context = 101;
  a.weights = MemLocation::kDdr;  // where the KV cache lives
  const WorkItem w = make_work_item(a);
  EXPECT_EQ(w.macs, 2u * 8 * 101 * 64);
  EXPECT_EQ(w.weight_location, MemLocation::kDdr);
  EXPECT_EQ(w.weight_bytes, 2u * 2 * 64 * 101);  // K and V rows, int8, cached + new
  EXPECT_GT(w.vector_ops, 0u);
}

TEST(Schedule, RespectsDependenciesAndRejectsForwardOnes) {
  auto p = testing::device("hailo10h");
  auto model = TimingModel::create(p);
  ASSERT_TRUE(model);
  std::vector<Task> tasks(3);
  for (auto& t : tasks) {
    t.item.kind = WorkKind::kDmaH2D;
    t.item.bytes = 1 << 20;
  }
  tasks[2].item.kind = WorkKind::kCompute;
  tasks[2].item.macs = 1000;
  tasks[2].after[0] = 0;
  tasks[2].after[1] = 1;
  auto run = run_schedule(**model, tasks);
  ASSERT_TRUE(run);
  EXPECT_GE(run->charges[2].start, std::max(run->charges[0].end, run->charges[1].end));
  EXPECT_EQ(run->end, run->charges[2].end);
  // Equal ready times: charged in task order (tie broken by kind, then id).
  EXPECT_LT(run->charges[0].start, run->charges[1].start);

  tasks[0].after[0] = 2;
  (*model)->reset();
  auto bad = run_schedule(**model, tasks);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST(WorkloadPlan, RefusesModelsThatDoNotFit) {
  auto p = testing::device("hailo10h");
  const auto s = testing::model(testing::kQwen15);
  WorkloadOptions o;
  o.context_length = 64;  // shorter than the 96-token chunk
  auto plan = plan_workload(p, s, *PrecisionPolicy::named("w4a8"), o);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code(), ErrorCode::kInvalidArgument);
  p.ddr_bytes = 512ull << 20;
  auto too_big = plan_workload(p, s, *PrecisionPolicy::named("w4a8"), {});
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), ErrorCode::kOutOfMemory);
  EXPECT_FALSE(plan_workload(p, ModelShape{}, {}, {}));
}

TEST(WorkloadPlan, TinyModelsStayInSramAndRunComputeBound) {
  const auto p = testing::device("hailo10h");
  auto s = parse_hf_config(R"({"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 1024})", "tiny");
  ASSERT_TRUE(s);
  auto r = estimate_workload(p, *s, *PrecisionPolicy::named("w8a8"));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_TRUE(r->plan.weights_in_sram);
  // Only the embedding row gather and the token transfers touch DDR (KV cache in SRAM too).
  EXPECT_LT(r->decode.ddr_bytes, 4u * 1024);
  EXPECT_GT(r->decode_tokens_per_s, 1000.0);
}

TEST(WorkloadPasses, MoreStagingBuffersOverlapTransferAndPlacement) {
  auto p = testing::device("rpi5-x1-gen2");
  const auto s = testing::model(testing::kLfm350);
  const auto policy = *PrecisionPolicy::named("default");
  auto serial = estimate_workload(p, s, policy);
  p.load_staging_buffers = 2;
  auto overlapped = estimate_workload(p, s, policy);
  ASSERT_TRUE(serial && overlapped);
  const double link_s = serial->plan.compiled_bytes() / p.link_bytes_per_s;
  const double place_s = serial->plan.compiled_bytes() / p.placement_bytes_per_s;
  EXPECT_GT(serial->load_s, link_s + place_s);  // transfer and placement add up
  EXPECT_LT(overlapped->load_s, 0.9 * serial->load_s);
  EXPECT_GT(overlapped->load_s, std::max(link_s, place_s));
}

TEST(WorkloadPasses, LongerPromptsAndContextsCostMore) {
  const auto p = testing::device("hailo10h");
  const auto s = testing::model(testing::kLfm12);
  const auto policy = *PrecisionPolicy::named("default");
  WorkloadOptions one;
  WorkloadOptions three;
  three.prompt_tokens = 250;  // remainder chunk of 58, then two of 96
  three.decode_position = 1900;
  auto a = estimate_workload(p, s, policy, one);
  auto b = estimate_workload(p, s, policy, three);
  ASSERT_TRUE(a && b);
  EXPECT_GT(b->ttft_s, 2.0 * a->ttft_s);
  EXPECT_GT(b->decode.ddr_bytes, a->decode.ddr_bytes);  // longer KV cache read
  EXPECT_LT(b->decode_tokens_per_s, a->decode_tokens_per_s);
  EXPECT_EQ(a->decode.macs, a->decode.macs);
}

TEST(WorkloadPasses, TracesShowEveryLayerOnTheResourceTracks) {
  const auto p = testing::device("hailo10h");
  const auto s = testing::model(testing::kLfm350);
  WorkloadOptions o;
  o.trace = true;
  auto r = estimate_workload(p, s, *PrecisionPolicy::named("default"), o);
  ASSERT_TRUE(r);
  auto doc = nlohmann::json::parse(r->decode_trace, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  std::set<std::string> names;
  std::set<int> tids;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] != "X") continue;
    names.insert(e["name"].get<std::string>());
    tids.insert(e["tid"].get<int>());
  }
  EXPECT_TRUE(names.contains("L0.in_proj"));
  EXPECT_TRUE(names.contains("L15.ffn_down"));
  EXPECT_TRUE(names.contains("head"));
  EXPECT_GE(tids.size(), 5u);  // control, MACs, vector, SRAM, DDR, DMA, link
  auto prefill = nlohmann::json::parse(r->prefill_trace, nullptr, false);
  ASSERT_FALSE(prefill.is_discarded());
  EXPECT_NE(r->prefill_trace.find("switch to prefill context"), std::string::npos);
  WorkloadOptions quiet;
  auto q = estimate_workload(p, s, *PrecisionPolicy::named("default"), quiet);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->decode_trace.empty());
  EXPECT_EQ(q->decode_step_s, r->decode_step_s);  // tracing does not change the timing
}

TEST(WorkloadPasses, SameInputsGiveIdenticalReports) {
  const auto p = testing::device("hailo10h");
  const auto s = testing::model(testing::kLfm12);
  const auto policy = *PrecisionPolicy::named("default");
  auto a = estimate_workload(p, s, policy);
  auto b = estimate_workload(p, s, policy);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->load_s, b->load_s);
  EXPECT_EQ(a->ttft_s, b->ttft_s);
  EXPECT_EQ(a->decode_step_s, b->decode_step_s);
  EXPECT_EQ(a->energy_per_token_j, b->energy_per_token_j);
  ASSERT_EQ(a->decode.layers.size(), b->decode.layers.size());
  for (std::size_t i = 0; i < a->decode.layers.size(); ++i) {
    EXPECT_EQ(a->decode.layers[i].cycles, b->decode.layers[i].cycles);
  }
}

}  // namespace
}  // namespace npu::sim
