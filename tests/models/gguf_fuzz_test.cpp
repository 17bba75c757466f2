// Corruption fuzzing of the GGUF reader: every truncation and thousands of seeded random byte
// mutations of a valid file must give either a valid file or a clear error, never a crash.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/gguf_writer.hpp"

using namespace npu::compiler;

namespace {

std::vector<std::byte> valid_file() {
  auto w = GgufWriter::create(32);
  w->set("general.architecture", GgufValue(std::string("lfm2")));
  w->set("lfm2.attention.head_count_kv", GgufValue::array_of(GgufValueType::kI32, std::vector<std::int32_t>{0, 2}));
  w->set("tokenizer.ggml.tokens", GgufValue::array_of(GgufValueType::kString, std::vector<std::string>{"a", "b", "cd"}));
  w->set("x.f32", GgufValue(1e-5f));
  GgufArray nested{GgufValueType::kArray, {GgufValue::array_of(GgufValueType::kU8, std::vector<std::uint8_t>{1, 2})}};
  w->set("x.nested", GgufValue(std::move(nested)));
  EXPECT_TRUE(w->add_tensor("w", {32, 2}, GgmlType::kQ8_0, std::vector<float>(64, 0.5f)));
  EXPECT_TRUE(w->add_tensor("n", {8}, GgmlType::kF32, std::vector<float>(8, 1.0f)));
  return *w->to_bytes();
}

// Opening must not crash; when it succeeds every tensor must be readable without crashing.
void exercise(std::vector<std::byte> bytes) {
  auto f = GgufFile::from_bytes(std::move(bytes), "fuzz");
  if (!f) {
    EXPECT_FALSE(f.error().message().empty());
    return;
  }
  for (const GgufTensorInfo& t : f->tensors()) {
    auto values = f->dequantize(t.name);
    (void)values;
  }
}

}  // namespace

TEST(GgufFuzz, EveryTruncationIsAnError) {
  const auto bytes = valid_file();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto f = GgufFile::from_bytes(cut, "truncated");
    ASSERT_FALSE(f) << "a file cut to " << n << " of " << bytes.size() << " bytes was accepted";
    EXPECT_EQ(f.error().code(), npu::ErrorCode::kBadFormat) << f.error().what();
  }
}

TEST(GgufFuzz, RandomMutationsNeverCrash) {
  const auto bytes = valid_file();
  std::mt19937_64 rng(12345);
  for (int iter = 0; iter < 4000; ++iter) {
    auto mutated = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      const std::size_t pos = rng() % mutated.size();
      // Mix of bit flips, 0x00/0xff bytes and random bytes, biased toward the header.
      const std::size_t at = (rng() % 2) ? pos : pos % 256;
      switch (rng() % 3) {
        case 0: mutated[at] ^= static_cast<std::byte>(1u << (rng() % 8)); break;
        case 1: mutated[at] = (rng() % 2) ? std::byte{0xff} : std::byte{0}; break;
        default: mutated[at] = static_cast<std::byte>(rng()); break;
      }
    }
    exercise(std::move(mutated));
  }
}

TEST(GgufFuzz, HugeCountsAreRefusedBeforeAllocating) {
  auto bytes = valid_file();
  // Tensor count at offset 8: claim 2^60 tensors.
  const std::uint64_t huge = std::uint64_t{1} << 60;
  std::memcpy(bytes.data() + 8, &huge, 8);
  auto f = GgufFile::from_bytes(bytes, "huge");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("corrupted header"), std::string::npos) << f.error().what();
}
