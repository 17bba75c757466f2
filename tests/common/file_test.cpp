#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <string>

#include "npu/common/checksum.hpp"
#include "npu/common/file.hpp"
#include "npu/common/page.hpp"

namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  fs::path dir = fs::temp_directory_path() / ("npu_common_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

TEST(File, AtomicWriteThenMap) {
  fs::path p = temp_dir() / "a.bin";
  ASSERT_TRUE(npu::write_file_atomic(p, std::string_view("hello")).has_value());
  auto m = npu::MappedFile::open(p);
  ASSERT_TRUE(m.has_value()) << m.error().what();
  ASSERT_EQ(m->size(), 5u);
  EXPECT_EQ(std::memcmp(m->bytes().data(), "hello", 5), 0);
}

TEST(File, UncommittedWriterLeavesOldFileAndNoTemp) {
  fs::path dir = temp_dir() / "uncommitted";
  fs::create_directories(dir);
  fs::path p = dir / "b.bin";
  ASSERT_TRUE(npu::write_file_atomic(p, std::string_view("old")).has_value());
  {
    auto w = npu::AtomicFileWriter::create(p);
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE(w->write(std::as_bytes(std::span("new contents", 12))).has_value());
  }  // destroyed without commit
  EXPECT_EQ(*npu::read_text_file(p), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(File, MissingFileIsNotFound) {
  auto m = npu::MappedFile::open("/nonexistent/npu/file");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), npu::ErrorCode::kNotFound);
  EXPECT_NE(m.error().message().find("/nonexistent/npu/file"), std::string::npos);
}

TEST(Checksum, MatchesKnownCrc32) {
  // CRC-32 of "123456789" is the standard check value 0xCBF43926.
  EXPECT_EQ(npu::crc32("123456789", 9), 0xCBF43926u);
}

TEST(Page, PageSizeIsPowerOfTwo) {
  EXPECT_TRUE(npu::is_power_of_two(npu::host_page_size()));
  EXPECT_GE(npu::host_page_size(), 4096u);
}

}  // namespace
