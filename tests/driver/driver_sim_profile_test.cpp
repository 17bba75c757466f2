// ABI 1.1 features of the driver against the simulated device: energy in run results and stats,
// placed weight uploads (and timing-only ones with no data) charged to the modeled clock, device
// profiles read back through host memory with each op's layer.
#include <gtest/gtest.h>

#include "npu/driver/abi_compat.hpp"
#include "npu/driver/profile_data.hpp"
#include "npu/firmware/program.hpp"
#include "sim_fixture.hpp"

namespace {

using namespace npu::test;
namespace abi = npu::abi;

// A two-op GEMM program (the second op tagged as layer 3) over weights and io segments.
struct Gemm {
  std::vector<std::byte> program;
  DeviceAllocation weights, io;
  ContextHandle context;
};

Gemm load_gemm(Driver& drv) {
  Gemm g;
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(abi::OpCode::kGemmI8);
  op.dims[0] = 4;
  op.dims[1] = 64;
  op.dims[2] = 32;
  op.operands[0] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kI8, 0);
  op.operands[1] = npu::fw::make_operand(abi::Segment::kWeights, abi::DType::kI8, 0);
  op.operands[2] = npu::fw::absent_operand();
  op.operands[3] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kI8, 1024);
  op.params[0] = 1 << 30;
  abi::OpDesc ops[2] = {op, op};
  ops[1].reserved = abi::op_layer_tag(3);
  g.program = npu::fw::encode_program(std::span(ops));
  g.weights = drv.allocate(4096).value();
  g.io = drv.allocate(4096).value();
  ContextSpec spec;
  spec.program = g.program;
  spec.segments[0] = g.weights;
  spec.segments[1] = g.io;
  spec.num_segments = 2;
  g.context = drv.load_context(spec).value();
  return g;
}

TEST_F(SimDriver, FirmwareOffersTheAbi11Features) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  for (const char* f : {"stats.energy", "dma.place", "mailbox.profile"})
    EXPECT_TRUE(npu::driver::abi_supports((*d)->identity().abi_version, f)) << f;
  // An ABI 1.0 peer is still accepted (the new features are optional) but lacks them.
  EXPECT_TRUE(npu::driver::check_abi_compatible(abi::make_abi_version(1, 0), "firmware"));
  EXPECT_FALSE(npu::driver::abi_supports(abi::make_abi_version(1, 0), "mailbox.profile"));
}

TEST_F(SimDriver, RunsAndStatsReportEnergy) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  const Gemm g = load_gemm(drv);
  auto before = drv.stats();
  auto run = drv.run(g.context);
  auto after = drv.stats();
  ASSERT_TRUE(before && run && after);
  EXPECT_GT(run->energy_j, 0.0);
  EXPECT_GT(after->energy_j, before->energy_j);
  EXPECT_GE(after->energy_j, after->dynamic_energy_j);
  EXPECT_GT(after->dynamic_energy_j, 0.0);
  // The run's energy is part of what the device counted in between.
  EXPECT_LE(run->energy_j, after->energy_j - before->energy_j + 1e-9);
}

TEST_F(SimDriver, PlacedWeightUploadAdvancesTheClockMoreThanAPlainWrite) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  const auto data = pattern(256 * 1024);
  auto a = drv.allocate(data.size()).value();
  auto b = drv.allocate(data.size()).value();
  auto c = drv.allocate(data.size()).value();
  const auto t0 = drv.device_cycles().value();
  ASSERT_TRUE(drv.write(a.address, data));
  const auto t1 = drv.device_cycles().value();
  ASSERT_TRUE(drv.write_weights(b.address, data));
  const auto t2 = drv.device_cycles().value();
  ASSERT_TRUE(drv.model_weight_upload(c.address, data.size()));
  const auto t3 = drv.device_cycles().value();
  EXPECT_GT(t1, t0);
  // hailo10h: 3.2 GB/s link vs ~210 MB/s placement: placing costs over ten times the transfer.
  EXPECT_GT(t2 - t1, 10 * (t1 - t0));
  // The timing-only upload is charged exactly like the real one, but moves nothing.
  EXPECT_EQ(t3 - t2, t2 - t1);
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(drv.read(b.address, back));
  EXPECT_EQ(back, data);
  ASSERT_TRUE(drv.read(c.address, back));
  EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](std::byte x) { return x == std::byte{0}; }));
}

TEST_F(SimDriver, ProfileRecordsEveryOpWithItsLayer) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  const Gemm g = load_gemm(drv);
  // Nothing is recorded before start_profile.
  auto empty = drv.read_profile(true);
  ASSERT_TRUE(empty) << empty.error().what();
  EXPECT_TRUE(empty->records.empty());
  ASSERT_TRUE(drv.start_profile());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(drv.run(g.context));
  ASSERT_TRUE(drv.write(g.io.address, pattern(64)));
  auto p = drv.read_profile(true);
  ASSERT_TRUE(p) << p.error().what();
  std::size_t ops = 0, mailbox = 0, h2d = 0;
  for (const auto& r : p->records) {
    EXPECT_LE(r.start_cycle, r.end_cycle);
    ops += r.kind == static_cast<std::uint16_t>(abi::ProfileKind::kOp);
    mailbox += r.kind == static_cast<std::uint16_t>(abi::ProfileKind::kMailbox);
    h2d += r.kind == static_cast<std::uint16_t>(abi::ProfileKind::kDmaH2D);
  }
  EXPECT_EQ(ops, 6u);
  EXPECT_GE(mailbox, 3u);
  EXPECT_EQ(h2d, 1u);
  EXPECT_EQ(p->clock_khz, drv.identity().clock_khz);
  // Op 0 is untagged, op 1 is layer 3; each ran three times.
  std::size_t layer3 = 0, untagged = 0;
  for (const auto& r : p->records) {
    if (r.kind != static_cast<std::uint16_t>(abi::ProfileKind::kOp)) continue;
    EXPECT_EQ(r.layer, r.op_index == 1 ? 3u : abi::kProfileNoLayer);
    layer3 += r.layer == 3u;
    untagged += r.layer == abi::kProfileNoLayer;
    EXPECT_GT(r.end_cycle, r.start_cycle);
    EXPECT_STREQ(npu::abi::op_name(r.opcode), "gemm_i8");
  }
  EXPECT_EQ(layer3, 3u);
  EXPECT_EQ(untagged, 3u);
  // Recording stopped: further work adds nothing.
  ASSERT_TRUE(drv.run(g.context));
  auto again = drv.read_profile(false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->records.size(), p->records.size());
}

TEST_F(SimDriver, ProfileOfManyRunsIsReadInWindows) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  const Gemm g = load_gemm(drv);
  ASSERT_TRUE(drv.start_profile());
  for (int i = 0; i < 2100; ++i) ASSERT_TRUE(drv.run(g.context));  // > 4096 records
  auto p = drv.read_profile(true);
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_GE(p->records.size(), 2100u * 3);
  EXPECT_EQ(p->dropped, 0u);
}

}  // namespace
