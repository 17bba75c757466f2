// K-quant blocks (256 weights): blocks are built here from chosen quants, scales and mins
// following ggml's block layouts, then decoded and compared with the values those imply.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "npu/compiler/gguf_quant.hpp"

using namespace npu::compiler;

namespace {

void put_u16(std::byte* p, std::uint16_t v) { std::memcpy(p, &v, 2); }

// Packs eight 6-bit (scale, min) pairs into the 12 bytes Q4_K and Q5_K use.
std::array<std::uint8_t, 12> pack_scales(const std::array<std::uint8_t, 8>& sc, const std::array<std::uint8_t, 8>& mn) {
  std::array<std::uint8_t, 12> q{};
  for (int j = 0; j < 4; ++j) {
    q[j] = static_cast<std::uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    q[j + 4] = static_cast<std::uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    q[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
  return q;
}

constexpr std::array<std::uint8_t, 8> kScales{1, 7, 13, 63, 17, 33, 48, 62};  // >15 exercises high bits
constexpr std::array<std::uint8_t, 8> kMins{0, 5, 60, 2, 31, 16, 47, 9};

}  // namespace

TEST(DequantizeK, Q4_K) {
  std::vector<std::byte> b(144);
  put_u16(b.data(), 0x3800);      // d = 0.5
  put_u16(b.data() + 2, 0x3400);  // dmin = 0.25
  const auto scales = pack_scales(kScales, kMins);
  std::memcpy(b.data() + 4, scales.data(), 12);
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) q[i] = (i * 7 + 3) % 16;
  // Element i: chunk c = i/64 uses qs[32c + i%32], low nibble for the first 32, high for the next.
  for (int i = 0; i < 256; ++i) {
    const int c = i / 64, r = i % 64;
    auto& byte = reinterpret_cast<std::uint8_t&>(b[16 + 32 * c + r % 32]);
    byte = static_cast<std::uint8_t>(r < 32 ? (byte & 0xf0) | q[i] : (byte & 0x0f) | (q[i] << 4));
  }
  std::vector<float> out(256);
  ASSERT_TRUE(dequantize(GgmlType::kQ4_K, b, out));
  for (int i = 0; i < 256; ++i) {
    const int s = i / 32;
    EXPECT_FLOAT_EQ(out[i], 0.5f * kScales[s] * q[i] - 0.25f * kMins[s]) << i;
  }
  // One value worked by hand: i = 200 -> sub-block 6 (scale 48, min 47), q = (1400+3)%16 = 11.
  EXPECT_FLOAT_EQ(out[200], 0.5f * 48 * 11 - 0.25f * 47);
}

TEST(DequantizeK, Q5_K) {
  std::vector<std::byte> b(176);
  put_u16(b.data(), 0x3400);      // d = 0.25
  put_u16(b.data() + 2, 0x3c00);  // dmin = 1
  const auto scales = pack_scales(kScales, kMins);
  std::memcpy(b.data() + 4, scales.data(), 12);
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) q[i] = (i * 11 + 5) % 32;
  for (int i = 0; i < 256; ++i) {
    const int c = i / 64, r = i % 64, s = i / 32, l = i % 32;
    auto& low = reinterpret_cast<std::uint8_t&>(b[48 + 32 * c + r % 32]);
    low = static_cast<std::uint8_t>(r < 32 ? (low & 0xf0) | (q[i] & 15) : (low & 0x0f) | ((q[i] & 15) << 4));
    auto& high = reinterpret_cast<std::uint8_t&>(b[16 + l]);  // bit s of qh[l] is the fifth bit
    if (q[i] & 16) high = static_cast<std::uint8_t>(high | (1u << s));
  }
  std::vector<float> out(256);
  ASSERT_TRUE(dequantize(GgmlType::kQ5_K, b, out));
  for (int i = 0; i < 256; ++i) {
    const int s = i / 32;
    EXPECT_FLOAT_EQ(out[i], 0.25f * kScales[s] * q[i] - 1.0f * kMins[s]) << i;
  }
  // i = 37: sub-block 1 (scale 7, min 5), q = (407+5)%32 = 28 (fifth bit set).
  EXPECT_FLOAT_EQ(out[37], 0.25f * 7 * 28 - 5.0f);
}

TEST(DequantizeK, Q6_K) {
  std::vector<std::byte> b(210);
  std::array<std::int8_t, 16> sc{};
  for (int j = 0; j < 16; ++j) sc[j] = static_cast<std::int8_t>(j * 9 - 70);  // signed scales
  std::memcpy(b.data() + 192, sc.data(), 16);
  put_u16(b.data() + 208, 0x3000);  // d = 0.125
  std::array<int, 256> q{};
  for (int i = 0; i < 256; ++i) q[i] = (i * 13 + 1) % 64;
  // Element i: half n = i/128, quarter k = (i%128)/32, l = i%32. Low 4 bits in
  // ql[64n + l + 32*(k&1)] (low nibble for k<2, high for k>=2); high 2 bits at 2k of qh[32n + l];
  // scale sc[8n + l/16 + 2k].
  for (int i = 0; i < 256; ++i) {
    const int n = i / 128, k = (i % 128) / 32, l = i % 32;
    auto& low = reinterpret_cast<std::uint8_t&>(b[64 * n + l + 32 * (k & 1)]);
    low = static_cast<std::uint8_t>(k < 2 ? (low & 0xf0) | (q[i] & 15) : (low & 0x0f) | ((q[i] & 15) << 4));
    auto& high = reinterpret_cast<std::uint8_t&>(b[128 + 32 * n + l]);
    high = static_cast<std::uint8_t>(high | ((q[i] >> 4) << (2 * k)));
  }
  std::vector<float> out(256);
  ASSERT_TRUE(dequantize(GgmlType::kQ6_K, b, out));
  for (int i = 0; i < 256; ++i) {
    const int n = i / 128, k = (i % 128) / 32, l = i % 32;
    EXPECT_FLOAT_EQ(out[i], 0.125f * sc[8 * n + l / 16 + 2 * k] * (q[i] - 32)) << i;
  }
  // i = 150: n 1, k 0, l 22 -> scale sc[9] = 11, q = (1950+1)%64 = 31 -> 0.125*11*(-1).
  EXPECT_FLOAT_EQ(out[150], -1.375f);
}
