// .npk round trip: every section of docs/npk-llm.md is written, reads back through the
// validating reader, and the programs/weights from the file run to the same logits as in memory.
#include <cstring>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llm_test_util.hpp"
#include "npu/common/npk_reader.hpp"
#include "npu/compiler/emu.hpp"
#include "npu/compiler/llm_emulation.hpp"

namespace npu::compiler::llm {
namespace {

TEST(LlmNpk, RoundTripKeepsEverySectionAndRunsTheSame) {
  auto model = testing::make_tiny(testing::tiny_lfm2("cac", 2), 9);
  auto o = testing::tiny_options("default", 8, 256);
  o.calibration_tokens = 32;
  const CompiledLlm m = testing::compile_tiny(model, o);
  const auto path = testing::temp_path("model.npk");
  ASSERT_TRUE(write_llm_npk(m, path));
  auto file = npk::NpkFile::open(path);
  ASSERT_TRUE(file) << file.error().what();
  using npk::SectionType;
  const npk::Section* prefill = file->find(SectionType::kProgram, "prefill");
  const npk::Section* tbt = file->find(SectionType::kProgram, "tbt");
  const npk::Section* weights = file->find(SectionType::kWeights, "weights");
  const npk::Section* tok = file->find(SectionType::kTokenizer, "tokenizer");
  const npk::Section* calib = file->find(SectionType::kCalibration, "calibration");
  const npk::Section* alloc = file->find(SectionType::kAllocationPlan, "allocation");
  ASSERT_TRUE(prefill && tbt && weights && tok && calib && alloc);

  auto meta = nlohmann::json::parse(*file->metadata());
  EXPECT_EQ(meta["kind"], "llm");
  EXPECT_EQ(meta["architecture"], "lfm2");
  EXPECT_EQ(meta["prefill_chunk"], 8);
  EXPECT_EQ(meta["context_length"], 256);
  EXPECT_EQ(meta["policy"]["name"], "default");
  EXPECT_EQ(meta["policy"]["head"], "int8-block32");
  EXPECT_EQ(meta["policy"]["layers"][0]["weights"], "int4");
  EXPECT_EQ(meta["policy"]["layers"][1]["weights"], "int8");
  EXPECT_EQ(meta["synthetic"], true);
  EXPECT_EQ(meta["segments"]["weights"], weights->bytes.size());

  auto tk = TokenizerData::parse(tok->bytes);
  ASSERT_TRUE(tk) << tk.error().what();
  EXPECT_EQ(tk->tokens.size(), 300u);
  EXPECT_EQ(tk->eos_id, 7);
  auto cj = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(calib->bytes.data()), calib->bytes.size()));
  EXPECT_EQ(cj["sqnr"].size(), 3u);
  EXPECT_TRUE(cj["activation_scales"].contains("blk.0.op_in"));

  auto pp = codec::decode_program(prefill->bytes);
  auto tp = codec::decode_program(tbt->bytes);
  ASSERT_TRUE(pp && tp);
  EXPECT_EQ(pp->ops.size(), m.prefill_ops.size());
  EXPECT_EQ(pp->header.sram_bytes, m.allocation.sram_used);
  EXPECT_EQ(std::memcmp(pp->ops.data(), m.prefill_ops.data(), pp->ops.size() * sizeof(abi::OpDesc)), 0);

  // Layer tags: every op of layer l carries l + 1; embedding, final norm, head and argmax carry 0.
  ASSERT_EQ(m.prefill_layer_end.size(), 3u);
  EXPECT_EQ(m.prefill_ops[0].reserved, 0u);
  std::size_t first = 1;
  for (std::size_t l = 0; l < m.prefill_layer_end.size(); ++l) {
    for (std::size_t i = first; i <= m.prefill_layer_end[l]; ++i) EXPECT_EQ(abi::op_layer(m.prefill_ops[i]), l) << i;
    first = m.prefill_layer_end[l] + 1;
  }
  ASSERT_LT(first, m.prefill_ops.size());
  for (std::size_t i = first; i < m.prefill_ops.size(); ++i) EXPECT_EQ(m.prefill_ops[i].reserved, 0u) << i;

  // Run from the file's bytes and from memory: identical logits.
  emu::Machine machine(weights->bytes, meta["segments"]["io"], meta["segments"]["scratch"], meta["segments"]["state"]);
  const std::vector<std::int32_t> tokens = {1, 20, 30};
  std::memcpy(machine.segment(abi::Segment::kIo).data(), tokens.data(), tokens.size() * 4);
  const std::int32_t params[2] = {0, 3};
  ASSERT_TRUE(machine.run(*pp, params));
  auto emu = LlmEmulation::create(m);
  ASSERT_TRUE(emu);
  auto want = emu->prefill(tokens);
  ASSERT_TRUE(want);
  const std::size_t logits_at = meta["io"]["logits"]["offset"];
  EXPECT_EQ(std::memcmp(machine.segment(abi::Segment::kIo).data() + logits_at, want->data(), want->size_bytes()), 0);
  std::filesystem::remove(path);
}

TEST(LlmNpk, WriteIsAtomicAndReportsThePath) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ca"));
  auto o = testing::tiny_options("fp32");
  o.calibration_tokens = 0;
  const CompiledLlm m = testing::compile_tiny(model, o);
  auto r = write_llm_npk(m, "/nonexistent-dir/x.npk");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("/nonexistent-dir/x.npk"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists("/nonexistent-dir/x.npk"));
}

}  // namespace
}  // namespace npu::compiler::llm
