// Scalar conversions, the 32-weight block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) on hand-built
// blocks, and the writer's encoders of every type (round trips).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "npu/compiler/gguf_quant.hpp"

using namespace npu::compiler;

namespace {

void put_u16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v & 0xff));
  out.push_back(static_cast<std::byte>(v >> 8));
}

}  // namespace

TEST(HalfFloat, KnownValues) {
  EXPECT_EQ(fp16_to_float(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_float(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_float(0x3800), 0.5f);
  EXPECT_EQ(fp16_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(fp16_to_float(0x0200), std::ldexp(1.0f, -15));
  EXPECT_TRUE(std::isinf(fp16_to_float(0x7c00)));
  EXPECT_TRUE(std::isnan(fp16_to_float(0x7e00)));
  EXPECT_EQ(float_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(float_to_fp16(-2.0f), 0xc000);
  EXPECT_EQ(float_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_fp16(1e6f), 0x7c00);
  EXPECT_EQ(float_to_fp16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(float_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie -> even
  EXPECT_EQ(float_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie -> even (up)
}

TEST(HalfFloat, RoundTripsEveryFiniteHalf) {
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto h = static_cast<std::uint16_t>(bits);
    const float f = fp16_to_float(h);
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_fp16(f), h) << "bits 0x" << std::hex << bits;
  }
}

TEST(BFloat16, KnownValues) {
  EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_float(0xc040), -3.0f);
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(1.00390625f), 0x3f80);  // exactly half way -> even
  EXPECT_EQ(float_to_bf16(1.01171875f), 0x3f82);  // half way above odd -> up
}

TEST(Dequantize, Q8_0) {
  std::vector<std::byte> block;
  put_u16(block, 0x3000);  // d = 0.125
  for (int j = 0; j < 32; ++j) block.push_back(static_cast<std::byte>(static_cast<std::int8_t>(j - 16)));
  std::vector<float> out(32);
  ASSERT_TRUE(dequantize(GgmlType::kQ8_0, block, out));
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out[j], 0.125f * static_cast<float>(j - 16)) << j;
}

TEST(Dequantize, Q4_0LowNibblesFirstHalfHighNibblesSecondHalf) {
  std::vector<std::byte> block;
  put_u16(block, 0x3800);  // d = 0.5
  for (int j = 0; j < 16; ++j) block.push_back(static_cast<std::byte>(j | ((15 - j) << 4)));
  std::vector<float> out(32);
  ASSERT_TRUE(dequantize(GgmlType::kQ4_0, block, out));
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.5f * static_cast<float>(j - 8)) << j;
    EXPECT_EQ(out[j + 16], 0.5f * static_cast<float>(7 - j)) << j;
  }
}

TEST(Dequantize, Q4_1AddsMin) {
  std::vector<std::byte> block;
  put_u16(block, 0x3400);  // d = 0.25
  put_u16(block, 0xbc00);  // m = -1
  for (int j = 0; j < 16; ++j) block.push_back(static_cast<std::byte>(j | (((j + 3) & 15) << 4)));
  std::vector<float> out(32);
  ASSERT_TRUE(dequantize(GgmlType::kQ4_1, block, out));
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.25f * static_cast<float>(j) - 1.0f);
    EXPECT_EQ(out[j + 16], 0.25f * static_cast<float>((j + 3) & 15) - 1.0f);
  }
}

TEST(Dequantize, F16AndBF16AndF32) {
  std::vector<std::byte> f16;
  put_u16(f16, 0x3c00);
  put_u16(f16, 0xc000);
  std::vector<float> out(2);
  ASSERT_TRUE(dequantize(GgmlType::kF16, f16, out));
  EXPECT_EQ(out, (std::vector<float>{1.0f, -2.0f}));
  std::vector<std::byte> bf;
  put_u16(bf, 0x3f80);
  put_u16(bf, 0xc040);
  ASSERT_TRUE(dequantize(GgmlType::kBF16, bf, out));
  EXPECT_EQ(out, (std::vector<float>{1.0f, -3.0f}));
  const float src[2] = {3.5f, -0.25f};
  std::vector<std::byte> f32(8);
  std::memcpy(f32.data(), src, 8);
  ASSERT_TRUE(dequantize(GgmlType::kF32, f32, out));
  EXPECT_EQ(out, (std::vector<float>{3.5f, -0.25f}));
}

TEST(Dequantize, RejectsUnsupportedTypeByName) {
  std::vector<std::byte> data(110);
  std::vector<float> out(256);
  auto r = dequantize(GgmlType::kQ3_K, data, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message().find("Q3_K"), std::string::npos);
}

TEST(Dequantize, RejectsShortDataAndPartialBlocks) {
  std::vector<std::byte> data(33);
  std::vector<float> out(32);
  EXPECT_FALSE(dequantize(GgmlType::kQ8_0, data, out));
  std::vector<float> partial(31);
  EXPECT_FALSE(dequantize(GgmlType::kQ8_0, std::vector<std::byte>(34), partial));
}

TEST(Quantize, RoundTripErrorIsBoundedByTheStep) {
  std::vector<float> values(64);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kF16, GgmlType::kBF16, GgmlType::kF32}) {
    auto bytes = quantize(type, values);
    ASSERT_TRUE(bytes) << ggml_type_name(type);
    std::vector<float> back(values.size());
    ASSERT_TRUE(dequantize(type, *bytes, back));
    for (std::size_t b = 0; b < values.size(); b += 32) {
      float amax = 0;
      for (std::size_t i = b; i < b + 32; ++i) amax = std::max(amax, std::fabs(values[i]));
      // Q4_0 spans [-8d, 7d]: the extreme opposite in sign to the block's maximum clips by one step.
      const float bound = type == GgmlType::kQ8_0   ? 0.5f * amax / 127
                          : type == GgmlType::kQ4_0 ? amax / 8
                                                    : amax / 256;
      for (std::size_t i = b; i < b + 32; ++i) {
        EXPECT_LE(std::fabs(back[i] - values[i]), bound + 1e-3f) << ggml_type_name(type) << " " << i;
      }
    }
  }
  // Q4_0 maps the signed extreme of each block exactly to -8 * d.
  auto q4 = quantize(GgmlType::kQ4_0, values);
  std::vector<float> back(values.size());
  ASSERT_TRUE(q4 && dequantize(GgmlType::kQ4_0, *q4, back));
  std::size_t extreme = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    if (std::fabs(values[i]) > std::fabs(values[extreme])) extreme = i;
  }
  EXPECT_NEAR(back[extreme], values[extreme], 2e-3f);
}

TEST(Quantize, RefusesNonFiniteAndUnsupported) {
  std::vector<float> values(32, 1.0f);
  values[3] = NAN;
  EXPECT_FALSE(quantize(GgmlType::kQ8_0, values));
  EXPECT_FALSE(quantize(GgmlType::kQ3_K, std::vector<float>(256, 1.0f)));
  EXPECT_FALSE(quantize(GgmlType::kQ4_K, std::vector<float>(255, 1.0f)));  // not whole super-blocks
}

// Q5_0: bit j of the u32 qh is the 5th bit of weight j; low nibbles are weights 0..15.
TEST(Dequantize, Q5_0HighBitsFromQh) {
  std::vector<std::byte> block;
  put_u16(block, 0x3800);  // d = 0.5
  const std::uint32_t qh = (1u << 0) | (1u << 16) | (1u << 31);
  for (int i = 0; i < 4; ++i) block.push_back(static_cast<std::byte>((qh >> (8 * i)) & 0xff));
  for (int j = 0; j < 16; ++j) block.push_back(static_cast<std::byte>(j == 0 ? 0x21 : 0x00));
  std::vector<float> out(32);
  ASSERT_TRUE(dequantize(GgmlType::kQ5_0, block, out));
  EXPECT_FLOAT_EQ(out[0], 0.5f * ((1 | 16) - 16));   // low nibble 1, 5th bit set
  EXPECT_FLOAT_EQ(out[16], 0.5f * ((2 | 16) - 16));  // high nibble 2, bit 16
  EXPECT_FLOAT_EQ(out[31], 0.5f * (16 - 16));        // bit 31 only
  EXPECT_FLOAT_EQ(out[1], 0.5f * -16);
}

TEST(Dequantize, Q5_1AddsMin) {
  std::vector<std::byte> block;
  put_u16(block, 0x3c00);  // d = 1
  put_u16(block, 0xc000);  // m = -2
  const std::uint32_t qh = 1u << 5;
  for (int i = 0; i < 4; ++i) block.push_back(static_cast<std::byte>((qh >> (8 * i)) & 0xff));
  for (int j = 0; j < 16; ++j) block.push_back(static_cast<std::byte>(0x30));
  std::vector<float> out(32);
  ASSERT_TRUE(dequantize(GgmlType::kQ5_1, block, out));
  EXPECT_FLOAT_EQ(out[5], 16.0f - 2.0f);
  EXPECT_FLOAT_EQ(out[4], -2.0f);
  EXPECT_FLOAT_EQ(out[20], 3.0f - 2.0f);
}

// Every type the writer encodes decodes back close to the input: SQNR per type on smooth data
// with outliers, plus all-zero and constant blocks (a zero scale must not divide by zero).
TEST(Quantize, EveryWriterTypeRoundTrips) {
  std::vector<float> values(1024);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = std::sin(0.37f * static_cast<float>(i)) * (1.0f + 0.5f * std::cos(0.011f * static_cast<float>(i)));
  }
  values[77] = 6.0f;
  values[600] = -5.0f;
  std::fill(values.begin() + 256, values.begin() + 288, 0.0f);
  std::fill(values.begin() + 512, values.begin() + 544, 0.75f);
  const std::pair<GgmlType, double> types[] = {
      {GgmlType::kF16, 70}, {GgmlType::kBF16, 50}, {GgmlType::kQ8_0, 42}, {GgmlType::kQ4_0, 18},
      {GgmlType::kQ4_1, 20}, {GgmlType::kQ5_0, 24}, {GgmlType::kQ5_1, 26}, {GgmlType::kQ4_K, 20},
      {GgmlType::kQ5_K, 26}, {GgmlType::kQ6_K, 31}};  // measured: 74, 56, 47, 21, 24, 27, 30, 24, 30, 35
  for (auto [type, min_db] : types) {
    auto bytes = quantize(type, values);
    ASSERT_TRUE(bytes) << ggml_type_name(type);
    auto need = ggml_storage_bytes(type, values.size());
    ASSERT_TRUE(need);
    EXPECT_EQ(bytes->size(), *need) << ggml_type_name(type);
    std::vector<float> back(values.size());
    ASSERT_TRUE(dequantize(type, *bytes, back)) << ggml_type_name(type);
    double signal = 0, noise = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      signal += double(values[i]) * values[i];
      noise += (double(back[i]) - values[i]) * (double(back[i]) - values[i]);
    }
    const double db = 10 * std::log10(signal / noise);
    EXPECT_GE(db, min_db) << ggml_type_name(type);
    for (std::size_t i = 256; i < 288; ++i) EXPECT_EQ(back[i], 0.0f) << ggml_type_name(type);
    for (std::size_t i = 512; i < 544; ++i) EXPECT_NEAR(back[i], 0.75f, 0.05f) << ggml_type_name(type);
    std::printf("%s: SQNR %.1f dB\n", ggml_type_name(type).c_str(), db);
  }
}
