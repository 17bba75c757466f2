// GGUF writer -> reader round trips: every metadata type, nested arrays, alignment, tensor data.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/gguf_writer.hpp"

using namespace npu::compiler;

namespace {

GgufWriter sample_writer(std::uint32_t alignment) {
  auto w = GgufWriter::create(alignment);
  EXPECT_TRUE(w);
  w->set("t.u8", GgufValue(std::uint8_t{200}));
  w->set("t.i8", GgufValue(std::int8_t{-100}));
  w->set("t.u16", GgufValue(std::uint16_t{60000}));
  w->set("t.i16", GgufValue(std::int16_t{-30000}));
  w->set("t.u32", GgufValue(std::uint32_t{4000000000u}));
  w->set("t.i32", GgufValue(std::int32_t{-2000000000}));
  w->set("t.u64", GgufValue(std::uint64_t{1} << 60));
  w->set("t.i64", GgufValue(std::int64_t{-(std::int64_t{1} << 60)}));
  w->set("t.f32", GgufValue(1.5f));
  w->set("t.f64", GgufValue(-2.25));
  w->set("t.bool", GgufValue(true));
  w->set("t.string", GgufValue(std::string("héllo")));
  w->set("t.array", GgufValue::array_of(GgufValueType::kI32, std::vector<std::int32_t>{0, 0, 8, -1}));
  GgufArray nested{GgufValueType::kArray, {}};
  nested.items.push_back(GgufValue::array_of(GgufValueType::kString, std::vector<std::string>{"a", "bc"}));
  nested.items.push_back(GgufValue::array_of(GgufValueType::kString, std::vector<std::string>{}));
  w->set("t.nested", GgufValue(std::move(nested)));
  std::vector<float> a(64), b(3 * 32);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i) * 0.5f - 3.0f;
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 7) - 3.0f;
  EXPECT_TRUE(w->add_tensor("a", {64}, GgmlType::kF32, a));
  EXPECT_TRUE(w->add_tensor("b", {32, 3}, GgmlType::kQ8_0, b));
  EXPECT_TRUE(w->add_tensor("c", {32, 2}, GgmlType::kF16, std::vector<float>(64, 0.75f)));
  EXPECT_TRUE(w->add_tensor_lazy("d", {32}, GgmlType::kQ4_0,
                                 [] { return npu::Expected<std::vector<float>>(std::vector<float>(32, -1.0f)); }));
  return std::move(*w);
}

}  // namespace

TEST(Gguf, RoundTripsEveryValueType) {
  for (std::uint32_t alignment : {32u, 64u, 8u}) {
    auto bytes = sample_writer(alignment).to_bytes();
    ASSERT_TRUE(bytes);
    auto f = GgufFile::from_bytes(*bytes);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->alignment(), alignment);
    EXPECT_EQ(f->data_offset() % alignment, 0u);
    EXPECT_EQ(*f->find("t.u8")->get_if<std::uint8_t>(), 200);
    EXPECT_EQ(*f->find("t.i8")->get_if<std::int8_t>(), -100);
    EXPECT_EQ(*f->find("t.u16")->get_if<std::uint16_t>(), 60000);
    EXPECT_EQ(*f->find("t.i16")->get_if<std::int16_t>(), -30000);
    EXPECT_EQ(*f->find("t.u32")->get_if<std::uint32_t>(), 4000000000u);
    EXPECT_EQ(*f->find("t.i32")->get_if<std::int32_t>(), -2000000000);
    EXPECT_EQ(*f->find("t.u64")->get_if<std::uint64_t>(), std::uint64_t{1} << 60);
    EXPECT_EQ(*f->find("t.i64")->as_i64(), -(std::int64_t{1} << 60));
    EXPECT_EQ(*f->find("t.f32")->get_if<float>(), 1.5f);
    EXPECT_EQ(*f->find("t.f64")->as_f64(), -2.25);
    EXPECT_TRUE(*f->find("t.bool")->as_bool());
    EXPECT_EQ(*f->find("t.string")->as_string(), "héllo");
    const GgufArray* arr = *f->find("t.array")->as_array();
    ASSERT_EQ(arr->items.size(), 4u);
    EXPECT_EQ(arr->element_type, GgufValueType::kI32);
    EXPECT_EQ(*arr->items[2].as_u64(), 8u);
    EXPECT_FALSE(arr->items[3].as_u64());  // negative is not a u64
    const GgufArray* nested = *f->find("t.nested")->as_array();
    ASSERT_EQ(nested->items.size(), 2u);
    EXPECT_EQ(*(*nested->items[0].as_array())->items[1].as_string(), "bc");
    EXPECT_FALSE(f->get("no.such.key"));

    ASSERT_EQ(f->tensors().size(), 4u);
    for (const GgufTensorInfo& t : f->tensors()) EXPECT_EQ(t.offset % alignment, 0u) << t.name;
    auto a = f->dequantize("a");
    ASSERT_TRUE(a);
    EXPECT_EQ((*a)[10], 2.0f);
    EXPECT_EQ(f->find_tensor("b")->shape, (std::vector<std::uint64_t>{32, 3}));
    EXPECT_EQ(f->find_tensor("b")->size_bytes, 3u * 34);
    auto b = f->dequantize("b");
    ASSERT_TRUE(b);
    EXPECT_NEAR((*b)[40], static_cast<float>(40 % 7) - 3.0f, 0.02f);
    EXPECT_EQ((*f->dequantize("c"))[63], 0.75f);
    EXPECT_EQ((*f->dequantize("d"))[5], -1.0f);
    auto missing = f->dequantize("zzz");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("zzz"), std::string::npos);
  }
}

TEST(Gguf, WritesAtomicallyAndOpensFromDisk) {
  const auto path = std::filesystem::temp_directory_path() / ("npu_gguf_" + std::to_string(::getpid()) + ".gguf");
  ASSERT_TRUE(sample_writer(32).write(path));
  auto f = GgufFile::open(path);
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_EQ(f->tensors().size(), 4u);
  EXPECT_EQ(f->source(), path.string());
  std::filesystem::remove(path);
  auto gone = GgufFile::open(path);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), npu::ErrorCode::kNotFound);
}

TEST(Gguf, WriterRejectsBadTensors) {
  auto w = GgufWriter::create(32);
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->add_tensor("x", {30}, GgmlType::kQ8_0, std::vector<float>(30)));  // not whole blocks
  EXPECT_FALSE(w->add_tensor("x", {32}, GgmlType::kF32, std::vector<float>(31)));   // wrong count
  EXPECT_TRUE(w->add_tensor("x", {32}, GgmlType::kF32, std::vector<float>(32)));
  EXPECT_FALSE(w->add_tensor("x", {32}, GgmlType::kF32, std::vector<float>(32)));   // duplicate
  EXPECT_FALSE(w->add_tensor_raw("y", {32}, GgmlType::kQ4_0, std::vector<std::byte>(17)));
  EXPECT_FALSE(GgufWriter::create(24));
  w->set("bad", GgufValue(GgufArray{GgufValueType::kU32, {GgufValue(std::int32_t{1})}}));
  EXPECT_FALSE(w->to_bytes());  // array item of the wrong type
}

TEST(Gguf, UnsupportedTensorTypeIsNamedWithTheTensor) {
  auto w = GgufWriter::create(32);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->add_tensor_raw("blk.0.ffn_up.weight", {256}, GgmlType::kIQ2_XXS, std::vector<std::byte>(66)));
  auto bytes = w->to_bytes();
  ASSERT_TRUE(bytes);
  auto f = GgufFile::from_bytes(*bytes);
  ASSERT_TRUE(f);
  auto r = f->dequantize("blk.0.ffn_up.weight");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message().find("IQ2_XXS"), std::string::npos);
  EXPECT_NE(r.error().message().find("blk.0.ffn_up.weight"), std::string::npos);
}

TEST(Gguf, RejectsBadMagicAndVersion) {
  auto bytes = *sample_writer(32).to_bytes();
  auto bad_magic = bytes;
  bad_magic[0] = std::byte{'X'};
  auto r = GgufFile::from_bytes(bad_magic);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not a GGUF file"), std::string::npos);
  auto bad_version = bytes;
  bad_version[4] = std::byte{9};
  r = GgufFile::from_bytes(bad_version);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("version 9"), std::string::npos);
}
