// The emulation's ops on hand-checked inputs: exact integer numerics, int4 packing, blocks,
// quantize rounding and saturation, conv state across runs, cache capacity, copy-row, argmax,
// the routed experts (route and expert linears), and refusal of malformed programs.
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "npu/compiler/emu.hpp"
#include "npu_abi/moe.hpp"

namespace npu::compiler::emu {
namespace {

using abi::DType;
using abi::OpCode;
using abi::Segment;

abi::Operand opnd(Segment s, DType t, std::uint64_t off) {
  abi::Operand o{};
  o.segment = static_cast<std::uint8_t>(s);
  o.dtype = static_cast<std::uint8_t>(t);
  o.offset = off;
  return o;
}

abi::OpDesc make(OpCode code, std::uint32_t d0, std::uint32_t d1, std::uint32_t d2 = 0, std::uint32_t d3 = 0) {
  abi::OpDesc o{};
  o.opcode = static_cast<std::uint16_t>(code);
  o.dims[0] = d0;
  o.dims[1] = d1;
  o.dims[2] = d2;
  o.dims[3] = d3;
  for (auto& x : o.operands) x.segment = abi::kNoSegment;
  return o;
}

std::int32_t fbits(float f) { return std::bit_cast<std::int32_t>(f); }

template <class T>
void put(std::span<std::byte> seg, std::uint64_t off, const std::vector<T>& v) {
  std::memcpy(seg.data() + off, v.data(), v.size() * sizeof(T));
}
template <class T>
std::vector<T> get(std::span<const std::byte> seg, std::uint64_t off, std::size_t n) {
  std::vector<T> v(n);
  std::memcpy(v.data(), seg.data() + off, n * sizeof(T));
  return v;
}

Expected<void> run(Machine& m, std::vector<abi::OpDesc> ops, std::int32_t pos = 0, std::int32_t tokens = 1) {
  NPU_TRY_ASSIGN(Program p, codec::decode_program(codec::encode_program(ops, 0)));
  const std::int32_t params[2] = {pos, tokens};
  return m.run(p, params);
}

TEST(EmuOps, LinearInt8PerRowIsExactIntegerThenScaled) {
  // W [2][4] int8, scales [2]; x [1][4] int8, activation scale 0.5.
  std::vector<std::byte> w(64);
  put<std::int8_t>(w, 0, {1, -2, 3, 127, -128, 0, 5, 1});
  put<float>(w, 16, {0.25f, 2.0f});
  Machine m(w, 64, 64, 0);
  put<std::int8_t>(m.segment(Segment::kScratch), 0, {10, 20, -30, 1});
  auto op = make(OpCode::kLinear, 1, 4, 2, 0);
  op.operands[0] = opnd(Segment::kScratch, DType::kI8, 0);
  op.operands[1] = opnd(Segment::kWeights, DType::kI8, 0);
  op.operands[2] = opnd(Segment::kWeights, DType::kF32, 16);
  op.operands[3] = opnd(Segment::kIo, DType::kF32, 0);
  op.params[0] = fbits(0.5f);
  ASSERT_TRUE(run(m, {op}));
  auto out = get<float>(m.segment(Segment::kIo), 0, 2);
  EXPECT_EQ(out[0], static_cast<float>(10 - 40 - 90 + 127) * (0.5f * 0.25f));
  EXPECT_EQ(out[1], static_cast<float>(-1280 - 150 + 1) * (0.5f * 2.0f));
}

// kRmsNorm with kRowsFromParam and dims[2] = rows per token (per-head norms): 2 valid tokens of
// 3 heads normalize 6 rows; the rows of the third token stay untouched.
TEST(EmuOps, RmsNormRowsPerTokenWithPartialChunk) {
  std::vector<std::byte> w(64);
  put<float>(w, 0, {1.0f, 1.0f});
  Machine m(w, 0, 256, 0);
  std::vector<float> in(18);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i + 1);
  put<float>(m.segment(Segment::kScratch), 0, in);
  auto op = make(OpCode::kRmsNorm, 9, 2, 3);  // chunk 3 tokens x 3 heads, head_dim 2
  op.flags = abi::kRowsFromParam;
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[1] = opnd(Segment::kWeights, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kScratch, DType::kF32, 0);
  op.params[0] = fbits(0.0f);
  ASSERT_TRUE(run(m, {op}, 0, 2));
  auto out = get<float>(m.segment(Segment::kScratch), 0, 18);
  for (std::size_t r = 0; r < 9; ++r) {
    const float a = in[2 * r], b = in[2 * r + 1];
    if (r < 6) {
      const float inv = static_cast<float>(1.0 / std::sqrt((double(a) * a + double(b) * b) / 2.0));
      EXPECT_EQ(out[2 * r], a * inv) << r;
      EXPECT_EQ(out[2 * r + 1], b * inv) << r;
    } else {
      EXPECT_EQ(out[2 * r], a) << "row " << r << " of an invalid token was normalized";
    }
  }
}

// A kLinear large enough to be split across threads (64 x 256 x 256) gives exactly the program.hpp
// formula evaluated row by row here: int4 weights, per-block scales.
TEST(EmuOps, LargeThreadedLinearEqualsTheFormulaExactly) {
  constexpr std::uint32_t M = 64, K = 256, N = 256, G = 32, B = K / G;
  std::vector<std::int8_t> x(M * K), wq(N * K);
  std::vector<float> scales(N * B);
  std::uint32_t state = 12345;
  auto next = [&state] { return state = state * 1664525u + 1013904223u; };
  for (auto& v : x) v = static_cast<std::int8_t>(static_cast<int>(next() >> 24) - 128);
  for (auto& v : wq) v = static_cast<std::int8_t>(static_cast<int>(next() >> 28) - 8);  // -8..7
  for (auto& s : scales) s = static_cast<float>(next() >> 8) * 1e-9f;
  std::vector<std::uint8_t> packed(N * K / 2);
  for (std::size_t i = 0; i < packed.size(); ++i) {
    packed[i] = static_cast<std::uint8_t>((wq[2 * i] & 0x0f) | ((wq[2 * i + 1] & 0x0f) << 4));
  }
  std::vector<std::byte> w(packed.size() + scales.size() * 4);
  put<std::uint8_t>(w, 0, packed);
  put<float>(w, packed.size(), scales);
  Machine m(w, M * N * 4, M * K, 0);
  put<std::int8_t>(m.segment(Segment::kScratch), 0, x);
  auto op = make(OpCode::kLinear, M, K, N, G);
  op.operands[0] = opnd(Segment::kScratch, DType::kI8, 0);
  op.operands[1] = opnd(Segment::kWeights, DType::kI4, 0);
  op.operands[2] = opnd(Segment::kWeights, DType::kF32, packed.size());
  op.operands[3] = opnd(Segment::kIo, DType::kF32, 0);
  op.params[0] = fbits(0.03125f);
  ASSERT_TRUE(run(m, {op}, 0, M));
  auto out = get<float>(m.segment(Segment::kIo), 0, M * N);
  for (std::uint32_t r = 0; r < M; ++r) {
    for (std::uint32_t n = 0; n < N; ++n) {
      float t = 0.0f;
      for (std::uint32_t b = 0; b < B; ++b) {
        std::int32_t acc = 0;
        for (std::uint32_t k = b * G; k < (b + 1) * G; ++k) acc += std::int32_t{x[r * K + k]} * wq[n * K + k];
        t = t + static_cast<float>(acc) * scales[n * B + b];
      }
      ASSERT_EQ(std::bit_cast<std::uint32_t>(out[r * N + n]), std::bit_cast<std::uint32_t>(t * 0.03125f)) << r << "," << n;
    }
  }
}

TEST(EmuOps, LinearInt4PerBlockUnpacksLowNibbleFirst) {
  // K = 4, G = 2, one output row: weights {-1, 7, -8, 2} packed as 0x7f, 0x28.
  std::vector<std::byte> w(64);
  put<std::uint8_t>(w, 0, {0x7f, 0x28});
  put<float>(w, 16, {0.5f, 3.0f});
  Machine m(w, 64, 64, 0);
  put<std::int8_t>(m.segment(Segment::kScratch), 0, {2, 1, 1, 4});
  auto op = make(OpCode::kLinear, 1, 4, 1, 2);
  op.operands[0] = opnd(Segment::kScratch, DType::kI8, 0);
  op.operands[1] = opnd(Segment::kWeights, DType::kI4, 0);
  op.operands[2] = opnd(Segment::kWeights, DType::kF32, 16);
  op.operands[3] = opnd(Segment::kIo, DType::kF32, 0);
  op.params[0] = fbits(0.25f);
  ASSERT_TRUE(run(m, {op}));
  const float block0 = static_cast<float>(-2 + 7) * 0.5f, block1 = static_cast<float>(-8 + 8) * 3.0f;
  EXPECT_EQ(get<float>(m.segment(Segment::kIo), 0, 1)[0], ((0.0f + block0) + block1) * 0.25f);
}

TEST(EmuOps, QuantizeRoundsHalfToEvenAndSaturatesAt127) {
  Machine m({}, 64, 64, 0);
  put<float>(m.segment(Segment::kScratch), 0, {0.5f, 1.5f, -2.5f, 1000.0f, -1000.0f, 0.49f});
  auto op = make(OpCode::kQuantize, 1, 6);
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kIo, DType::kI8, 0);
  op.params[0] = fbits(1.0f);
  ASSERT_TRUE(run(m, {op}));
  EXPECT_EQ(get<std::int8_t>(m.segment(Segment::kIo), 0, 6), (std::vector<std::int8_t>{0, 2, -2, 127, -127, 0}));
}

TEST(EmuOps, ShortConvCarriesStateAcrossRunsAndResetsAtPositionZero) {
  // D = 1, L = 3, taps {1, 10, 100}: out = C * (bx[t-2] + 10 bx[t-1] + 100 bx[t]).
  std::vector<std::byte> w(64);
  put<float>(w, 0, {1.0f, 10.0f, 100.0f});
  Machine m(w, 64, 256, 64);
  auto op = make(OpCode::kShortConv, 2, 1, 3);
  op.flags = abi::kRowsFromParam;
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[1] = opnd(Segment::kWeights, DType::kF32, 0);
  op.operands[2] = opnd(Segment::kState, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kIo, DType::kF32, 0);
  auto sc = m.segment(Segment::kScratch);
  put<float>(sc, 0, {1, 1, 2, 1, 2, 3});  // rows (B, C, x): bx = 2, 3
  ASSERT_TRUE(run(m, {op}, 0, 2));
  EXPECT_EQ(get<float>(m.segment(Segment::kIo), 0, 2), (std::vector<float>{200.0f, 2.0f * (20.0f + 300.0f)}));
  put<float>(sc, 0, {1, 1, 1});  // one more row at position 2: bx = 1
  ASSERT_TRUE(run(m, {op}, 2, 1));
  EXPECT_EQ(get<float>(m.segment(Segment::kIo), 0, 1)[0], 2.0f + 30.0f + 100.0f);
  ASSERT_TRUE(run(m, {op}, 0, 1));  // position 0: state forgotten
  EXPECT_EQ(get<float>(m.segment(Segment::kIo), 0, 1)[0], 100.0f);
}

TEST(EmuOps, KvAppendBeyondCapacityFailsTheRun) {
  Machine m({}, 64, 256, 2 * 4 * 4 * 4);
  auto op = make(OpCode::kKvAppend, 1, 1, 4, 4);
  op.flags = abi::kRowsFromParam;
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[1] = opnd(Segment::kScratch, DType::kF32, 16);
  op.operands[2] = opnd(Segment::kState, DType::kF32, 0);
  EXPECT_TRUE(run(m, {op}, 3, 1));
  auto r = run(m, {op}, 4, 1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("capacity"), std::string::npos);
}

TEST(EmuOps, CopyRowTakesTheLastValidRow) {
  Machine m({}, 64, 64, 0);
  put<float>(m.segment(Segment::kScratch), 0, {1, 2, 3, 4});
  auto op = make(OpCode::kCopyRow, 4, 4);
  op.flags = abi::kRowsFromParam;
  op.params[0] = -1;
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kIo, DType::kF32, 0);
  ASSERT_TRUE(run(m, {op}, 0, 3));
  EXPECT_EQ(get<float>(m.segment(Segment::kIo), 0, 1)[0], 3.0f);
}

TEST(EmuOps, ArgmaxTakesLowestIndexOnTiesAndSkipsNaN) {
  Machine m({}, 64, 64, 0);
  put<float>(m.segment(Segment::kScratch), 0, {std::nanf(""), 5.0f, 2.0f, 5.0f});
  auto op = make(OpCode::kArgmax, 1, 4);
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kIo, DType::kI32, 0);
  ASSERT_TRUE(run(m, {op}));
  EXPECT_EQ(get<std::int32_t>(m.segment(Segment::kIo), 0, 1)[0], 1);
}

TEST(EmuOps, EmbedRefusesATokenOutsideTheVocabulary) {
  std::vector<std::byte> w(64);
  Machine m(w, 64, 64, 0);
  put<std::int32_t>(m.segment(Segment::kIo), 0, {2});
  auto op = make(OpCode::kEmbed, 1, 4, 2);
  op.operands[0] = opnd(Segment::kIo, DType::kI32, 0);
  op.operands[1] = opnd(Segment::kWeights, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kScratch, DType::kF32, 0);
  auto r = run(m, {op});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("outside the vocabulary"), std::string::npos);
}

TEST(EmuOps, OperandOutsideItsSegmentIsRefusedNotRead) {
  Machine m({}, 64, 64, 0);
  auto op = make(OpCode::kAdd, 4, 8);  // 128 bytes > 64-byte scratch
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[1] = opnd(Segment::kScratch, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kScratch, DType::kF32, 0);
  auto r = run(m, {op});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kBadFormat);
  auto write_weights = make(OpCode::kAdd, 1, 1);
  write_weights.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  write_weights.operands[1] = opnd(Segment::kScratch, DType::kF32, 0);
  write_weights.operands[3] = opnd(Segment::kWeights, DType::kF32, 0);
  std::vector<std::byte> w(64);
  Machine m2(w, 64, 64, 0);
  EXPECT_FALSE(run(m2, {write_weights}));
}

// kMoeRoute (npu_abi/moe.hpp): sigmoid scores; the bias decides the choice but not the weight; ties
// go to the lowest index; k = 1 normalizes to exactly 1; softmax scores; the routed scale.
abi::OpDesc route_op(std::uint32_t rows, std::uint32_t experts, std::uint32_t k, bool sigmoid, bool normalize,
                     float scale, bool bias) {
  auto op = make(OpCode::kMoeRoute, rows, experts, k);
  op.operands[0] = opnd(Segment::kScratch, DType::kF32, 0);
  if (bias) op.operands[1] = opnd(Segment::kWeights, DType::kF32, 0);
  op.operands[3] = opnd(Segment::kIo, DType::kI32, 0);
  op.params[0] = sigmoid ? 1 : 0;
  op.params[1] = normalize ? 1 : 0;
  op.params[2] = fbits(scale);
  return op;
}

std::vector<abi::MoeRouteEntry> routes(const Machine& m, std::size_t n) {
  return get<abi::MoeRouteEntry>(m.segment(Segment::kIo), 0, n);
}

TEST(EmuOps, MoeRouteBiasChoosesButDoesNotWeigh) {
  std::vector<std::byte> w(64);
  put<float>(w, 0, {0.0f, 0.1f, 0.0f, 0.2f});
  Machine m(w, 64, 64, 0);
  // Row 0: every score sigmoid(0) = 0.5; the bias picks expert 3, then 1, each weighing 0.5 of 1.0.
  // Row 1: sigmoid(2) = 0.8808 beats 0.5 + 0.2 (expert 3).
  put<float>(m.segment(Segment::kScratch), 0, {0, 0, 0, 0, 2, 0, 0, 0});
  ASSERT_TRUE(run(m, {route_op(2, 4, 2, true, true, 1.0f, true)}, 0, 2));
  auto r = routes(m, 4);
  EXPECT_EQ(r[0].expert, 3);
  EXPECT_EQ(r[0].weight, 0.5f);
  EXPECT_EQ(r[1].expert, 1);
  EXPECT_EQ(r[1].weight, 0.5f);
  const float s2 = 1.0f / (1.0f + std::exp(-2.0f));
  EXPECT_EQ(r[2].expert, 0);
  EXPECT_EQ(r[2].weight, s2 / (s2 + 0.5f));
  EXPECT_EQ(r[3].expert, 3);
  EXPECT_EQ(r[3].weight, 0.5f / (s2 + 0.5f));
  // Without the bias, row 0 is a four-way tie: the lowest indices, in order.
  ASSERT_TRUE(run(m, {route_op(1, 4, 2, true, true, 1.0f, false)}));
  r = routes(m, 2);
  EXPECT_EQ(r[0].expert, 0);
  EXPECT_EQ(r[1].expert, 1);
}

TEST(EmuOps, MoeRouteOneExpertSoftmaxAndScale) {
  Machine m({}, 64, 64, 0);
  put<float>(m.segment(Segment::kScratch), 0, {-1.0f, 3.0f, 1.0f});
  ASSERT_TRUE(run(m, {route_op(1, 3, 1, true, true, 1.0f, false)}));
  EXPECT_EQ(routes(m, 1)[0].expert, 1);
  EXPECT_EQ(routes(m, 1)[0].weight, 1.0f);  // k = 1, normalized: w / w
  // Softmax, unnormalized, scaled by 2: weight 2 * e^3 / (e^-1 + e^3 + e^1).
  ASSERT_TRUE(run(m, {route_op(1, 3, 1, false, false, 2.0f, false)}));
  const double sum = std::exp(-1.0 - 3.0) + 1.0 + std::exp(1.0 - 3.0);
  EXPECT_EQ(routes(m, 1)[0].expert, 1);
  EXPECT_EQ(routes(m, 1)[0].weight, static_cast<float>(1.0 / sum) * 2.0f);
}

// kMoeLinear: three experts [2][2]; row 0 picks expert 2 (weight 0.25) and expert 1 (0.75).
// W0 = I, W1 = 2I, W2 = [[0, 1], [1, 0]]; x = (3, 4).
abi::OpDesc moe_op(DType weights, bool combine) {
  auto op = make(OpCode::kMoeLinear, 1, 2, 2, 0);
  op.dims[4] = 3;
  op.dims[5] = 2;
  op.flags = abi::kMoeSharedInput | (combine ? abi::kMoeCombine : 0);
  const bool integer = weights == DType::kI8;
  op.operands[0] = opnd(Segment::kScratch, integer ? DType::kI8 : DType::kF32, 0);
  op.operands[1] = opnd(Segment::kWeights, weights, 0);
  if (integer) {
    op.operands[2] = opnd(Segment::kWeights, DType::kF32, 64);
    op.params[0] = fbits(0.5f);
  }
  op.operands[3] = opnd(Segment::kIo, DType::kF32, 0);
  op.params[1] = 32;  // the route table, in the scratch segment
  return op;
}

TEST(EmuOps, MoeLinearReadsThePickedExpertsAndCombinesByWeight) {
  for (const DType type : {DType::kI8, DType::kF32}) {
    SCOPED_TRACE(type == DType::kI8 ? "int8 weights" : "f32 weights");
    std::vector<std::byte> w(128);
    if (type == DType::kI8) {
      put<std::int8_t>(w, 0, {1, 0, 0, 1, 2, 0, 0, 2, 0, 1, 1, 0});
      put<float>(w, 64, {2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f});  // scale 2 x activation scale 0.5 = 1
    } else {
      put<float>(w, 0, {1, 0, 0, 1, 2, 0, 0, 2, 0, 1, 1, 0});
    }
    Machine m(w, 64, 64, 0);
    if (type == DType::kI8) put<std::int8_t>(m.segment(Segment::kScratch), 0, {3, 4});
    else put<float>(m.segment(Segment::kScratch), 0, {3.0f, 4.0f});
    put<abi::MoeRouteEntry>(m.segment(Segment::kScratch), 32, {{2, 0.25f}, {1, 0.75f}});
    ASSERT_TRUE(run(m, {moe_op(type, false)}));
    EXPECT_EQ(get<float>(m.segment(Segment::kIo), 0, 4), (std::vector<float>{4, 3, 6, 8}));  // [row][slot][N]
    ASSERT_TRUE(run(m, {moe_op(type, true)}));
    EXPECT_EQ(get<float>(m.segment(Segment::kIo), 0, 2), (std::vector<float>{0.25f * 4 + 0.75f * 6, 0.25f * 3 + 0.75f * 8}));
    // An expert outside 0..2 in the route table fails the run instead of reading past the weights.
    put<abi::MoeRouteEntry>(m.segment(Segment::kScratch), 32, {{3, 1.0f}, {1, 0.0f}});
    EXPECT_FALSE(run(m, {moe_op(type, true)}));
  }
}

TEST(EmuOps, ProgramWithBadCrcOrSizeIsRefused) {
  auto bytes = codec::encode_program(std::vector<abi::OpDesc>{make(OpCode::kNop, 0, 0)}, 0);
  ASSERT_TRUE(codec::decode_program(bytes));
  auto corrupt = bytes;
  corrupt.back() ^= std::byte{1};
  EXPECT_FALSE(codec::decode_program(corrupt));
  EXPECT_FALSE(codec::decode_program(std::span(bytes).first(bytes.size() - 1)));
  EXPECT_FALSE(codec::decode_program(std::span(bytes).first(10)));
}

}  // namespace
}  // namespace npu::compiler::emu
