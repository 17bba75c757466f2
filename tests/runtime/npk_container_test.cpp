// .npk container: writer/reader round trip, every rejection, and a fuzz-style corruption sweep.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "npu/common/checksum.hpp"
#include "npu/common/file.hpp"
#include "npu/common/npk_reader.hpp"
#include "npu/common/npk_writer.hpp"

namespace fs = std::filesystem;
using namespace npu;

namespace {

constexpr std::uint32_t kAbi = 0x00010000;

fs::path temp_path(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("npu_npk_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s)); }

// A small valid file: metadata, one program, a multi-chunk weights section, an optional extra.
fs::path write_sample(const std::string& name) {
  fs::path p = temp_path(name);
  auto w = npk::NpkWriter::create(p, kAbi);
  EXPECT_TRUE(w.has_value());
  EXPECT_TRUE(w->add_section(npk::SectionType::kMetadata, "metadata", bytes_of("{\"a\":1}")));
  EXPECT_TRUE(w->add_section(npk::SectionType::kProgram, "main", bytes_of("PROGRAM-BYTES")));
  EXPECT_TRUE(w->begin_section(npk::SectionType::kWeights, "weights"));
  std::vector<std::byte> chunk(1000);
  for (int i = 0; i < 5; ++i) {
    std::fill(chunk.begin(), chunk.end(), std::byte(i));
    EXPECT_TRUE(w->append(chunk));
  }
  EXPECT_TRUE(w->end_section());
  EXPECT_TRUE(w->begin_section(77u, "future-extra", 0));  // unknown, optional
  EXPECT_TRUE(w->append(bytes_of("x")));
  EXPECT_TRUE(w->end_section());
  auto done = w->finish();
  EXPECT_TRUE(done.has_value()) << done.error().what();
  return p;
}

std::vector<std::byte> read_all(const fs::path& p) {
  auto m = MappedFile::open(p);
  EXPECT_TRUE(m.has_value());
  return {m->bytes().begin(), m->bytes().end()};
}

// Rewrites the header CRC so that a deliberate header edit reaches the later checks.
void fix_header_crc(std::vector<std::byte>& img);

}  // namespace

TEST(Npk, RoundTrip) {
  fs::path p = write_sample("round.npk");
  auto f = npk::NpkFile::open(p);
  ASSERT_TRUE(f.has_value()) << f.error().what();
  EXPECT_EQ(f->format_version(), npk::kFormatVersion);
  EXPECT_EQ(f->abi_version(), kAbi);
  ASSERT_EQ(f->sections().size(), 4u);
  EXPECT_EQ(*f->metadata(), "{\"a\":1}");
  const auto* prog = f->find(npk::SectionType::kProgram, "main");
  ASSERT_NE(prog, nullptr);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(prog->bytes.data()), prog->bytes.size()),
            "PROGRAM-BYTES");
  const auto* weights = f->find(npk::SectionType::kWeights);
  ASSERT_NE(weights, nullptr);
  ASSERT_EQ(weights->bytes.size(), 5000u);
  EXPECT_EQ(weights->bytes[0], std::byte(0));
  EXPECT_EQ(weights->bytes[4999], std::byte(4));
  for (const auto& s : f->sections()) {
    EXPECT_EQ(s.offset % 16384, 0u) << s.name;  // mmap-able on 4 KiB and 16 KiB pages
  }
  EXPECT_FALSE(f->sections()[3].known());
  EXPECT_EQ(f->find(npk::SectionType::kProgram, "tbt"), nullptr);
}

TEST(Npk, UnfinishedWriterLeavesNoFile) {
  fs::path p = temp_path("unfinished.npk");
  {
    auto w = npk::NpkWriter::create(p, kAbi);
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE(w->add_section(npk::SectionType::kMetadata, "metadata", bytes_of("{}")));
  }
  EXPECT_FALSE(fs::exists(p));
}

TEST(Npk, WriterRejectsBadNamesAndDuplicates) {
  auto w = npk::NpkWriter::create(temp_path("names.npk"), kAbi);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->begin_section(npk::SectionType::kProgram, "").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(w->begin_section(npk::SectionType::kProgram, std::string(40, 'x')).has_value());
  ASSERT_TRUE(w->add_section(npk::SectionType::kProgram, "main", bytes_of("a")));
  EXPECT_FALSE(w->add_section(npk::SectionType::kProgram, "main", bytes_of("b")).has_value());
  EXPECT_FALSE(w->append(bytes_of("no section open")).has_value());
}

TEST(Npk, RejectsNonNpk) {
  fs::path p = temp_path("text.npk");
  ASSERT_TRUE(write_file_atomic(p, std::string(200, 'z')));
  auto f = npk::NpkFile::open(p);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(f.error().message().find("not an .npk file"), std::string::npos) << f.error().what();
}

TEST(Npk, RejectsNewerFormatVersion) {
  auto img = read_all(write_sample("newer.npk"));
  npk::NpkHeader h;
  std::memcpy(&h, img.data(), sizeof(h));
  h.format_version = npk::kFormatVersion + 1;
  std::memcpy(img.data(), &h, sizeof(h));
  fix_header_crc(img);
  auto r = npk::NpkFile::parse(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_NE(r.error().message().find("newer npustack"), std::string::npos);
  EXPECT_NE(r.error().message().find("upgrade"), std::string::npos);
}

TEST(Npk, RejectsUnknownRequiredSection) {
  fs::path p = temp_path("required.npk");
  {
    auto w = npk::NpkWriter::create(p, kAbi);
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE(w->begin_section(999u, "from-the-future", npk::kSectionRequired));
    ASSERT_TRUE(w->append(bytes_of("?")));
    ASSERT_TRUE(w->end_section());
    ASSERT_TRUE(w->finish());
  }
  auto f = npk::NpkFile::open(p);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(f.error().message().find("from-the-future"), std::string::npos);
}

TEST(Npk, RejectsTruncatedFile) {
  auto img = read_all(write_sample("trunc.npk"));
  for (std::size_t keep : {std::size_t{0}, std::size_t{10}, std::size_t{64}, img.size() / 2,
                           img.size() - 1}) {
    auto r = npk::NpkFile::parse(std::span(img).first(keep));
    ASSERT_FALSE(r.has_value()) << keep;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadFormat);
  }
  auto r = npk::NpkFile::parse(std::span(img).first(img.size() - 1));
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().what();
}

TEST(Npk, RejectsCrcMismatchInSection) {
  fs::path p = write_sample("crc.npk");
  auto img = read_all(p);
  auto f = npk::NpkFile::open(p);
  ASSERT_TRUE(f.has_value());
  std::size_t weights_at = static_cast<std::size_t>(f->find(npk::SectionType::kWeights)->offset);
  img[weights_at + 100] ^= std::byte{0x01};
  auto r = npk::NpkFile::parse(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("'weights' fails its CRC-32"), std::string::npos)
      << r.error().what();
}

TEST(Npk, RejectsSectionPastEndEvenWithValidCrc) {
  auto img = read_all(write_sample("past.npk"));
  npk::NpkHeader h;
  std::memcpy(&h, img.data(), sizeof(h));
  npk::NpkSectionEntry e;
  std::byte* entry = img.data() + h.section_table_offset;
  std::memcpy(&e, entry, sizeof(e));
  e.size = ~std::uint64_t{0} - 5;  // would overflow offset + size
  std::memcpy(entry, &e, sizeof(e));
  fix_header_crc(img);
  auto r = npk::NpkFile::parse(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("runs past the end"), std::string::npos) << r.error().what();
}

// Every single-byte corruption and every truncation point (sampled) must give an error or a
// valid model, never a crash or a read outside the image (run under ASan in CI).
TEST(Npk, FuzzCorruptionNeverCrashes) {
  auto img = read_all(write_sample("fuzz.npk"));
  std::size_t errors = 0;
  std::size_t step = 7;
  for (std::size_t pos = 0; pos < img.size(); pos += (pos < 512 ? 1 : step)) {
    for (std::byte flip : {std::byte{0x01}, std::byte{0x80}, std::byte{0xff}}) {
      auto copy = img;
      copy[pos] ^= flip;
      auto r = npk::NpkFile::parse(copy);
      if (!r) {
        ++errors;
        EXPECT_FALSE(r.error().message().empty());
      } else {
        for (const auto& s : *r) ASSERT_LE(s.offset + s.bytes.size(), copy.size());
      }
    }
    auto truncated = npk::NpkFile::parse(std::span(img).first(pos));
    EXPECT_FALSE(truncated.has_value()) << "truncated at " << pos;
  }
  EXPECT_GT(errors, 0u);
}

namespace {
void fix_header_crc(std::vector<std::byte>& img) {
  npk::NpkHeader h;
  std::memcpy(&h, img.data(), sizeof(h));
  h.header_crc32 = 0;
  auto table = std::span(img).subspan(h.section_table_offset);
  h.header_crc32 = crc32(table, crc32(&h, sizeof(h)));
  std::memcpy(img.data(), &h, sizeof(h));
}
}  // namespace
