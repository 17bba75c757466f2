// End to end on the simulated device: GEMM programs loaded and run through the mailbox give
// results identical to a straightforward scalar loop; bad programs are refused; timing-only runs
// charge time without values; identical command sequences give identical cycle counts.
#include <gtest/gtest.h>
#include <algorithm>

#include <random>

#include "npu/firmware/program.hpp"
#include "sim_host.hpp"

namespace npu::test {
namespace {

using abi::MboxOpcode;
using abi::MboxStatus;
using abi::Segment;

constexpr std::uint64_t kProgramAddr = 0;
constexpr std::uint64_t kWeightsBase = 1 << 20, kIoBase = 2 << 20, kScratchBase = 3 << 20;
constexpr std::uint64_t kSegSize = 1 << 20;

struct GemmCase {
  std::uint32_t m, k, n;
  std::int32_t mult, shift, zp, relu;
  bool bias;
};

std::vector<std::int8_t> random_i8(std::size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(d(rng));
  return v;
}

// The numerics of program.hpp, written as plainly as possible.
std::vector<std::int8_t> reference(const std::vector<std::int8_t>& a, const std::vector<std::int8_t>& w,
                                   const std::vector<std::int32_t>& bias, const GemmCase& c) {
  std::vector<std::int8_t> out(std::size_t{c.m} * c.n);
  for (std::uint32_t i = 0; i < c.m; ++i)
    for (std::uint32_t j = 0; j < c.n; ++j) {
      std::int64_t acc = c.bias ? bias[j] : 0;
      for (std::uint32_t kk = 0; kk < c.k; ++kk) acc += std::int64_t{a[i * c.k + kk]} * w[j * c.k + kk];
      std::int64_t v = (acc * c.mult + (std::int64_t{1} << (30 + c.shift))) >> (31 + c.shift);
      v += c.zp;
      v = std::clamp<std::int64_t>(v, -128, 127);
      if (c.relu) v = std::max<std::int64_t>(v, c.zp);
      out[i * c.n + j] = static_cast<std::int8_t>(v);
    }
  return out;
}

abi::OpDesc gemm_op(const GemmCase& c, std::uint64_t a_off, std::uint64_t w_off, std::uint64_t b_off,
                    std::uint64_t out_off, Segment a_seg = Segment::kIo, Segment out_seg = Segment::kIo) {
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(abi::OpCode::kGemmI8);
  op.dims[0] = c.m;
  op.dims[1] = c.k;
  op.dims[2] = c.n;
  op.operands[0] = fw::make_operand(a_seg, abi::DType::kI8, a_off);
  op.operands[1] = fw::make_operand(Segment::kWeights, abi::DType::kI8, w_off);
  op.operands[2] = c.bias ? fw::make_operand(Segment::kWeights, abi::DType::kI32, b_off) : fw::absent_operand();
  op.operands[3] = fw::make_operand(out_seg, abi::DType::kI8, out_off);
  op.params[0] = c.mult;
  op.params[1] = c.shift;
  op.params[2] = c.zp;
  op.params[3] = c.relu;
  return op;
}

abi::LoadContextRequest context_request(std::uint32_t id, std::size_t program_size) {
  abi::LoadContextRequest req{};
  req.context_id = id;
  req.num_segments = 3;
  req.program_addr = kProgramAddr;
  req.program_size = program_size;
  req.segment_base[0] = kWeightsBase;
  req.segment_base[1] = kIoBase;
  req.segment_base[2] = kScratchBase;
  req.segment_size[0] = req.segment_size[1] = req.segment_size[2] = kSegSize;
  return req;
}

std::unique_ptr<SimHost> booted() {
  auto host = SimHost::open();
  if (!host || host->boot().value_or(abi::DeviceState::kFaulted) != abi::DeviceState::kAlive) return nullptr;
  return host;
}

class GemmExact : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmExact, MatchesScalarReference) {
  const GemmCase c = GetParam();
  auto host = booted();
  ASSERT_TRUE(host);
  std::mt19937 rng(c.m * 131 + c.k * 7 + c.n);
  auto a = random_i8(std::size_t{c.m} * c.k, rng), w = random_i8(std::size_t{c.n} * c.k, rng);
  std::vector<std::int32_t> bias(c.n);
  std::uniform_int_distribution<std::int32_t> bd(-100000, 100000);
  for (auto& b : bias) b = bd(rng);
  const std::uint64_t bias_off = 3 + std::uint64_t{c.n} * c.k;  // deliberately unaligned
  ASSERT_TRUE(host->write(kWeightsBase, to_bytes(w)));
  if (c.bias) {
    ASSERT_TRUE(host->write(kWeightsBase + bias_off, to_bytes(bias)));
  }
  ASSERT_TRUE(host->write(kIoBase, to_bytes(a)));
  const std::uint64_t out_off = 0x80000;
  abi::OpDesc op = gemm_op(c, 0, 0, bias_off, out_off);
  auto program = fw::encode_program(std::span(&op, 1));
  ASSERT_TRUE(host->write(kProgramAddr, program));
  auto load = host->call(MboxOpcode::kLoadContext, context_request(0, program.size()));
  ASSERT_EQ(load->status, MboxStatus::kOk);
  abi::RunRequest run{};
  auto r = host->call(MboxOpcode::kRun, run);
  ASSERT_EQ(r->status, MboxStatus::kOk);
  auto resp = r->payload<abi::RunResponse>();
  EXPECT_EQ(resp.ops_executed, 1u);
  EXPECT_GT(resp.compute_cycles, 0u);
  EXPECT_GT(resp.end_cycle, resp.start_cycle);
  std::vector<std::byte> out(std::size_t{c.m} * c.n);
  ASSERT_TRUE(host->read(kIoBase + out_off, out));
  EXPECT_EQ(out, to_bytes(reference(a, w, bias, c)));
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmExact,
                         ::testing::Values(GemmCase{1, 64, 16, 1 << 30, 0, 0, 0, true},
                                           GemmCase{5, 70, 9, 1518500250, 7, -3, 0, true},
                                           GemmCase{3, 130, 33, 2147483647, 10, 12, 1, true},
                                           GemmCase{7, 1, 4, 1073741824, 0, 0, 1, false},
                                           GemmCase{16, 257, 20, 1987654321, 31, 127, 0, true},
                                           GemmCase{2, 192, 5, 123456789, 2, -128, 1, false}));

TEST(Gemm, ChainedOpsAndTimingOnly) {
  auto host = booted();
  ASSERT_TRUE(host);
  std::mt19937 rng(42);
  const GemmCase c1{4, 96, 32, 1 << 30, 6, 0, 1, false}, c2{4, 32, 8, 1 << 30, 4, 5, 0, false};
  auto a = random_i8(4 * 96, rng), w1 = random_i8(32 * 96, rng), w2 = random_i8(8 * 32, rng);
  ASSERT_TRUE(host->write(kIoBase, to_bytes(a)));
  ASSERT_TRUE(host->write(kWeightsBase, to_bytes(w1)));
  ASSERT_TRUE(host->write(kWeightsBase + 0x10000, to_bytes(w2)));
  abi::OpDesc ops[2] = {gemm_op(c1, 0, 0, 0, 0, Segment::kIo, Segment::kScratch),
                        gemm_op(c2, 0, 0x10000, 0, 0x1000, Segment::kScratch, Segment::kIo)};
  auto program = fw::encode_program(ops);
  ASSERT_TRUE(host->write(kProgramAddr, program));
  ASSERT_EQ(host->call(MboxOpcode::kLoadContext, context_request(1, program.size()))->status, MboxStatus::kOk);
  abi::RunRequest run{};
  run.context_id = 1;
  run.flags = abi::kRunTimingOnly;
  auto timing = host->call(MboxOpcode::kRun, run)->payload<abi::RunResponse>();
  std::vector<std::byte> out(4 * 8);
  ASSERT_TRUE(host->read(kIoBase + 0x1000, out));
  EXPECT_TRUE(std::ranges::all_of(out, [](std::byte b) { return b == std::byte{0}; }));  // nothing computed
  EXPECT_EQ(timing.ops_executed, 2u);
  EXPECT_GT(timing.compute_cycles, 0u);

  run.flags = 0;
  auto full = host->call(MboxOpcode::kRun, run)->payload<abi::RunResponse>();
  EXPECT_EQ(full.end_cycle - full.start_cycle, timing.end_cycle - timing.start_cycle);
  EXPECT_EQ(full.compute_cycles, timing.compute_cycles);
  ASSERT_TRUE(host->read(kIoBase + 0x1000, out));
  EXPECT_EQ(out, to_bytes(reference(reference(a, w1, {}, c1), w2, {}, c2)));

  // Only the second op: reads the scratch the first one left.
  run.first_op = 1;
  run.num_ops = 1;
  EXPECT_EQ(host->call(MboxOpcode::kRun, run)->payload<abi::RunResponse>().ops_executed, 1u);
}

TEST(Gemm, BadProgramsAreRefused) {
  auto host = booted();
  ASSERT_TRUE(host);
  const GemmCase c{2, 16, 4, 1 << 30, 0, 0, 0, true};
  auto refused = [&](const std::vector<std::byte>& program) {
    EXPECT_TRUE(host->write(kProgramAddr, program));
    return host->call(MboxOpcode::kLoadContext, context_request(0, program.size()))->status == MboxStatus::kBadProgram;
  };
  auto edit = [&](auto change) {
    abi::OpDesc op = gemm_op(c, 0, 0, 64, 0);
    change(op);
    return fw::encode_program(std::span(&op, 1));
  };
  EXPECT_FALSE(refused(edit([](abi::OpDesc&) {})));  // the unedited op is fine
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.opcode = 77; })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.dims[1] = 0; })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.dims[0] = 0xffffffff, op.dims[1] = 0xffffffff; })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.operands[3].offset = kSegSize - 4; })));  // out past segment
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.operands[0].offset = ~0ull - 2; })));     // offset overflow
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.operands[1].segment = 5; })));            // no such segment
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.operands[1].dtype = static_cast<std::uint8_t>(abi::DType::kI4); })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.operands[0].segment = abi::kNoSegment; })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.params[1] = 32; })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.params[0] = 0; })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.params[2] = 128; })));
  EXPECT_TRUE(refused(edit([](abi::OpDesc& op) { op.flags = 1; })));

  auto good = edit([](abi::OpDesc&) {});
  auto bad = good;
  bad[0] = std::byte{0};  // magic
  EXPECT_TRUE(refused(bad));
  bad = good;
  bad[4] = std::byte{9};  // version
  EXPECT_TRUE(refused(bad));
  bad = good;
  bad[12] = std::byte{64};  // op_size
  EXPECT_TRUE(refused(bad));
  bad = good;
  bad[40] ^= std::byte{1};  // an op byte: CRC mismatch
  EXPECT_TRUE(refused(bad));
  bad = good;
  bad.resize(bad.size() - 1);  // op count vs size
  EXPECT_TRUE(refused(bad));
  bad = good;
  bad[8] = std::byte{2};  // num_ops 2 with one op present
  EXPECT_TRUE(refused(bad));
  // Random garbage never crashes the device.
  std::mt19937 rng(5);
  for (int i = 0; i < 20; ++i) {
    auto junk = good;
    for (int j = 0; j < 8; ++j) junk[rng() % junk.size()] = static_cast<std::byte>(rng());
    (void)refused(junk);
  }
  EXPECT_EQ(host->state(), abi::DeviceState::kAlive);
}

// The whole sequence on a fresh device, returning every cycle figure it saw.
std::vector<std::uint64_t> run_sequence() {
  std::vector<std::uint64_t> cycles;
  auto host = booted();
  if (!host) return cycles;
  std::mt19937 rng(9);
  const GemmCase c{8, 128, 64, 1 << 30, 8, 0, 0, true};
  (void)host->write(kWeightsBase, to_bytes(random_i8(128 * 64 + 256, rng)));
  (void)host->write(kIoBase, to_bytes(random_i8(8 * 128, rng)));
  abi::OpDesc ops[3] = {gemm_op(c, 0, 0, 128 * 64, 0x1000), gemm_op(c, 0, 0, 128 * 64, 0x2000), abi::OpDesc{}};
  auto program = fw::encode_program(ops);
  (void)host->write(kProgramAddr, program);
  cycles.push_back(host->call(MboxOpcode::kLoadContext, context_request(2, program.size()))
                       ->payload<abi::LoadContextResponse>()
                       .load_cycles);
  for (int i = 0; i < 3; ++i) {
    abi::RunRequest run{};
    run.context_id = 2;
    auto r = host->call(MboxOpcode::kRun, run)->payload<abi::RunResponse>();
    cycles.insert(cycles.end(), {r.start_cycle, r.end_cycle, r.compute_cycles, r.dma_cycles, r.ddr_bytes});
  }
  auto s = host->call(MboxOpcode::kQueryStats)->payload<abi::StatsResponse>();
  cycles.insert(cycles.end(), {s.cycles, s.busy_cycles});
  return cycles;
}

TEST(Gemm, CyclesAreDeterministic) {
  auto first = run_sequence();
  ASSERT_FALSE(first.empty());
  EXPECT_GT(first.back(), 0u);
  EXPECT_EQ(run_sequence(), first);
}

}  // namespace
}  // namespace npu::test
