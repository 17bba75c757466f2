// Program validation on its own (the end-to-end refusals are in tests/hal/gemm_test.cpp).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <initializer_list>

#include "npu/firmware/program.hpp"
#include "npu_abi/operand_sizes.hpp"

namespace npu::fw {
namespace {

SegmentTable segments() {
  SegmentTable s;
  s.count = 2;
  s.base = {0x1000, 0x100000};
  s.size = {0x10000, 0x10000};
  return s;
}

abi::OpDesc gemm(std::uint32_t m, std::uint32_t k, std::uint32_t n) {
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(abi::OpCode::kGemmI8);
  op.dims[0] = m, op.dims[1] = k, op.dims[2] = n;
  op.operands[0] = make_operand(abi::Segment::kIo, abi::DType::kI8, 0);
  op.operands[1] = make_operand(abi::Segment::kWeights, abi::DType::kI8, 0);
  op.operands[2] = absent_operand();
  op.operands[3] = make_operand(abi::Segment::kIo, abi::DType::kI8, 0x8000);
  op.params[0] = 1 << 30;
  return op;
}

TEST(Program, EncodeThenValidate) {
  abi::OpDesc ops[2] = {gemm(4, 32, 8), abi::OpDesc{}};
  auto bytes = encode_program(ops, 4096);
  auto p = validate_program(bytes, segments());
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_EQ(p->header.num_ops, 2u);
  EXPECT_EQ(p->header.sram_bytes, 4096u);
  EXPECT_EQ(p->ops[0].dims[1], 32u);
  EXPECT_EQ(operand_address(p->ops[0].operands[3], segments()), 0x100000u + 0x8000);
  EXPECT_EQ(operand_address(p->ops[0].operands[2], segments()), 0u);
  EXPECT_TRUE(validate_program(encode_program({}), segments()));  // empty program is valid
}

TEST(Program, MessagesNameTheOpAndOperand) {
  auto op = gemm(4, 32, 8);
  op.operands[3].offset = 0xfff0;  // 32 bytes do not fit in the 64 KiB segment
  abi::OpDesc ops[2] = {abi::OpDesc{}, op};
  auto p = validate_program(encode_program(ops), segments());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(p.error().message().find("op 1"), std::string::npos) << p.error().message();
  EXPECT_NE(p.error().message().find("operand 3"), std::string::npos) << p.error().message();
}

TEST(Program, HeaderChecks) {
  auto good = encode_program(std::vector<abi::OpDesc>{gemm(1, 8, 1)});
  EXPECT_FALSE(validate_program(std::span(good).first(16), segments()));
  auto bad = good;
  bad[24] ^= std::byte{1};  // header crc32
  EXPECT_FALSE(validate_program(bad, segments()));
  bad = good;
  bad[6] = std::byte{16};  // header_size
  EXPECT_FALSE(validate_program(bad, segments()));
  SegmentTable none;
  EXPECT_FALSE(validate_program(good, none));  // operands name segments the context lacks
}

// The framing errors say which kind of problem it is: a newer program is a version mismatch
// (recompile), a damaged one is a bad format; each with what was found.
TEST(Program, FramingErrorsAreClassified) {
  const auto good = encode_program(std::vector<abi::OpDesc>{gemm(1, 8, 1)});
  auto newer = good;
  newer[4] = std::byte{static_cast<unsigned char>(abi::kProgramVersion + 1)};
  auto p = validate_program(newer, segments());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_NE(p.error().message().find("recompile"), std::string::npos) << p.error().message();
  auto cut = std::vector<std::byte>(good.begin(), good.end() - 1);
  p = validate_program(cut, segments());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(p.error().message().find("declares 1 ops"), std::string::npos) << p.error().message();
  auto flipped = good;
  flipped[40] ^= std::byte{1};  // an op byte
  p = validate_program(flipped, segments());
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("CRC"), std::string::npos) << p.error().message();
  auto reserved = good;
  reserved[28] = std::byte{1};
  EXPECT_FALSE(validate_program(reserved, segments()));
}

TEST(Program, ShapesThatOverflowAreRefused) {
  auto op = gemm(0x80000000u, 0x80000000u, 4);
  EXPECT_FALSE(validate_op(op, segments()));
  op = gemm(1, 1, 1);
  op.dims[4] = 1;
  EXPECT_FALSE(validate_op(op, segments()));
  op = gemm(1, 1, 1);
  op.operands[0].reserved1 = 1;
  EXPECT_FALSE(validate_op(op, segments()));
  op = gemm(1, 1, 1);
  op.params[5] = 1;
  EXPECT_FALSE(validate_op(op, segments()));
}

}  // namespace
}  // namespace npu::fw

namespace npu::fw {
namespace {

abi::OpDesc llm_op(abi::OpCode code, std::initializer_list<std::uint32_t> dims) {
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(code);
  std::size_t i = 0;
  for (auto d : dims) op.dims[i++] = d;
  for (auto& o : op.operands) o = absent_operand();
  return op;
}

abi::Operand f32(std::uint64_t off) { return make_operand(abi::Segment::kIo, abi::DType::kF32, off); }

TEST(LlmOpRules, LinearShapesAndDtypes) {
  auto op = llm_op(abi::OpCode::kLinear, {2, 32, 4, 8});
  op.operands[0] = make_operand(abi::Segment::kIo, abi::DType::kI8, 0);
  op.operands[1] = make_operand(abi::Segment::kWeights, abi::DType::kI4, 0);
  op.operands[2] = make_operand(abi::Segment::kWeights, abi::DType::kF32, 0x1000);
  op.operands[3] = f32(0x100);
  op.params[0] = std::bit_cast<std::int32_t>(0.5f);
  EXPECT_TRUE(validate_op(op, segments())) << validate_op(op, segments()).error().message();
  auto bad = op;
  bad.dims[3] = 5;  // K not a multiple of the group
  EXPECT_FALSE(validate_op(bad, segments()));
  bad = op;
  bad.dims[1] = 31;  // odd K with int4 weights
  bad.dims[3] = 0;
  EXPECT_FALSE(validate_op(bad, segments()));
  bad = op;
  bad.operands[0].dtype = static_cast<std::uint8_t>(abi::DType::kF32);  // int weights need I8 input
  EXPECT_FALSE(validate_op(bad, segments()));
  bad = op;
  bad.params[0] = std::bit_cast<std::int32_t>(NAN);
  EXPECT_FALSE(validate_op(bad, segments()));
  bad = op;
  bad.operands[2] = absent_operand();  // int weights need scales
  EXPECT_FALSE(validate_op(bad, segments()));
  bad = op;
  bad.flags = abi::kBroadcastB;  // only kAdd broadcasts
  EXPECT_FALSE(validate_op(bad, segments()));
}

TEST(LlmOpRules, AttentionRopeCopyRowAdd) {
  auto att = llm_op(abi::OpCode::kAttention, {1, 4, 3, 8, 16});  // 4 heads over 3 kv heads
  att.operands[0] = f32(0);
  att.operands[2] = make_operand(abi::Segment::kWeights, abi::DType::kF16, 0);
  att.operands[3] = f32(0x1000);
  EXPECT_FALSE(validate_op(att, segments()));
  att.dims[2] = 2;
  EXPECT_TRUE(validate_op(att, segments())) << validate_op(att, segments()).error().message();
  att.dims[4] = 0x10000;  // cache larger than its segment
  EXPECT_FALSE(validate_op(att, segments()));

  auto rope = llm_op(abi::OpCode::kRope, {1, 2, 7});
  rope.operands[0] = f32(0);
  rope.params[0] = std::bit_cast<std::int32_t>(10000.0f);
  EXPECT_FALSE(validate_op(rope, segments()));  // odd head_dim
  rope.dims[2] = 8;
  EXPECT_TRUE(validate_op(rope, segments()));
  // With the frequency table (F32 [hd/2], operand 1) theta must be 0.
  rope.operands[1] = f32(0x200);
  EXPECT_FALSE(validate_op(rope, segments()));
  rope.params[0] = 0;
  EXPECT_TRUE(validate_op(rope, segments())) << validate_op(rope, segments()).error().message();
  rope.operands[1] = make_operand(abi::Segment::kWeights, abi::DType::kF16, 0x200);
  EXPECT_FALSE(validate_op(rope, segments()));
  rope.operands[1] = f32(0x10000 - 8);  // 4 floats do not fit in the last 8 bytes
  EXPECT_FALSE(validate_op(rope, segments()));

  auto copy = llm_op(abi::OpCode::kCopyRow, {4, 16});
  copy.operands[0] = f32(0);
  copy.operands[3] = f32(0x100);
  copy.params[0] = -1;
  EXPECT_TRUE(validate_op(copy, segments()));
  copy.params[0] = 4;
  EXPECT_FALSE(validate_op(copy, segments()));

  auto add = llm_op(abi::OpCode::kAdd, {3, 8});
  add.operands[0] = f32(0);
  add.operands[1] = f32(0x8000 - 32);  // one row fits only when broadcast
  add.operands[3] = f32(0);
  add.flags = abi::kBroadcastB | abi::kRowsFromParam;
  EXPECT_TRUE(validate_op(add, segments()));
  add.operands[1].offset = 0x10000 - 32;
  add.flags = 0;
  EXPECT_FALSE(validate_op(add, segments()));
}

// The ABI's operand sizes, which the device validates against and the simulator charges.
TEST(LlmOpRules, OperandBytesFollowTheLayouts) {
  auto lin = llm_op(abi::OpCode::kLinear, {4, 64, 8, 16});  // int4 weights, groups of 16
  lin.operands[0] = make_operand(abi::Segment::kIo, abi::DType::kI8, 0);
  lin.operands[1] = make_operand(abi::Segment::kWeights, abi::DType::kI4, 0);
  lin.operands[2] = make_operand(abi::Segment::kWeights, abi::DType::kF32, 0x1000);
  lin.operands[3] = f32(0x100);
  auto s = abi::operand_bytes(lin);
  EXPECT_EQ(s.bytes[0], 4u * 64);      // i8 [M][K]
  EXPECT_EQ(s.bytes[1], 8u * 64 / 2);  // two int4 per byte
  EXPECT_EQ(s.bytes[2], 8u * 4 * 4);   // [N][K/G] f32 scales
  EXPECT_EQ(s.bytes[3], 4u * 8 * 4);
  s = abi::operand_bytes(lin, 1);      // a run of one row
  EXPECT_EQ(s.bytes[0], 64u);
  EXPECT_EQ(s.bytes[1], 8u * 64 / 2);
  EXPECT_EQ(s.bytes[3], 8u * 4);

  auto att = llm_op(abi::OpCode::kAttention, {2, 4, 2, 8, 16});
  att.operands[2] = make_operand(abi::Segment::kWeights, abi::DType::kF16, 0);
  s = abi::operand_bytes(att);
  EXPECT_EQ(s.bytes[0], 2u * 4 * 8 * 4);
  EXPECT_EQ(s.bytes[2], 2u * 16 * 2 * 8 * 2);  // K then V, [cap][kvh][hd] f16
  EXPECT_EQ(abi::kv_cache_bytes(static_cast<std::uint8_t>(abi::DType::kF16), 3, 2, 8), 2u * 3 * 2 * 8 * 2);

  auto add = llm_op(abi::OpCode::kAdd, {3, 8});
  add.flags = abi::kBroadcastB;
  EXPECT_EQ(abi::operand_bytes(add).bytes[1], 8u * 4);
  EXPECT_EQ(abi::operand_bytes(add).bytes[2], 0u);  // unused by kAdd

  // Sizes past 64 bits saturate, and the device names the operand.
  auto big = llm_op(abi::OpCode::kSwiGlu, {0xffffffffu, 0xffffffffu});  // ~2^64 f32 elements
  big.operands[0] = big.operands[1] = big.operands[3] = f32(0);
  EXPECT_EQ(abi::operand_bytes(big).bytes[0], abi::kSizeOverflow);
  auto r = validate_op(big, segments());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("operand 0 is too large"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace npu::fw

namespace npu::fw {
namespace {

// ABI 1.4: a ring KV cache must hold the window plus the rows; the routed experts' route table
// (named by params[1]) must lie inside the scratch segment.
TEST(LlmOpRules, SlidingWindowAndRoutedExperts) {
  SegmentTable segs;
  segs.count = 4;
  segs.base = {0x1000, 0x100000, 0x200000, 0x300000};
  segs.size = {0x10000, 0x10000, 0x10000, 0x10000};
  auto kv = llm_op(abi::OpCode::kKvAppend, {4, 1, 8, 10, 8});  // ring of 10 positions, window 8, 4 rows
  kv.operands[0] = f32(0);
  kv.operands[1] = f32(0x200);
  kv.operands[2] = make_operand(abi::Segment::kState, abi::DType::kF32, 0);
  EXPECT_FALSE(validate_op(kv, segs));  // 10 < 8 + 4 - 1
  kv.dims[3] = 11;
  EXPECT_TRUE(validate_op(kv, segs)) << validate_op(kv, segs).error().message();

  auto att = llm_op(abi::OpCode::kAttention, {4, 2, 1, 8, 11, 8});  // window 8 (dims[5])
  att.operands[0] = f32(0);
  att.operands[2] = make_operand(abi::Segment::kState, abi::DType::kF32, 0);
  att.operands[3] = f32(0x400);
  EXPECT_TRUE(validate_op(att, segs)) << validate_op(att, segs).error().message();

  auto moe = llm_op(abi::OpCode::kMoeLinear, {2, 16, 8, 0, 4, 2});  // 4 experts [8][16] int8, 2 per row
  moe.flags = abi::kMoeSharedInput | abi::kMoeCombine;
  moe.operands[0] = make_operand(abi::Segment::kScratch, abi::DType::kI8, 0);
  moe.operands[1] = make_operand(abi::Segment::kWeights, abi::DType::kI8, 0);
  moe.operands[2] = make_operand(abi::Segment::kWeights, abi::DType::kF32, 0x1000);
  moe.operands[3] = make_operand(abi::Segment::kScratch, abi::DType::kF32, 0x100);
  moe.params[0] = std::bit_cast<std::int32_t>(0.5f);
  moe.params[1] = 0x10000 - 2 * 2 * 8;  // the route table [2 rows][2] ends at the segment's end
  EXPECT_TRUE(validate_op(moe, segs)) << validate_op(moe, segs).error().message();
  EXPECT_EQ(abi::operand_bytes(moe).bytes[1], 4u * 8 * 16);  // every expert resident
  EXPECT_EQ(abi::moe_expert_bytes(moe, 2), 2u * (8 * 16 + 8 * 4));  // two experts' weights and scales
  moe.params[1] += 8;  // one entry past the end
  EXPECT_FALSE(validate_op(moe, segs));
  moe.params[1] = 0;
  moe.dims[5] = 5;  // more picks than experts
  EXPECT_FALSE(validate_op(moe, segs));

  // Float experts (the fp32 policy): F32 inputs, no scales, no activation scale, as kLinear's.
  moe.dims[5] = 2;
  moe.operands[0] = make_operand(abi::Segment::kScratch, abi::DType::kF32, 0);
  moe.operands[1] = make_operand(abi::Segment::kWeights, abi::DType::kF32, 0);
  moe.operands[2] = absent_operand();
  moe.params[0] = 0;
  EXPECT_TRUE(validate_op(moe, segs)) << validate_op(moe, segs).error().message();
  EXPECT_EQ(abi::moe_expert_bytes(moe, 2), 2u * 8 * 16 * 4);  // no scales
  moe.params[0] = std::bit_cast<std::int32_t>(0.5f);
  EXPECT_FALSE(validate_op(moe, segs));  // an activation scale means int8 inputs
  moe.params[0] = 0;
  moe.operands[0] = make_operand(abi::Segment::kScratch, abi::DType::kI8, 0);
  EXPECT_FALSE(validate_op(moe, segs));  // float weights take float inputs
}

}  // namespace
}  // namespace npu::fw
