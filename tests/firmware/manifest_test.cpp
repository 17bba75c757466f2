#include <gtest/gtest.h>

#include "npu/firmware/fw_manifest.hpp"
#include "npu_abi/version.hpp"

namespace npu::fw {
namespace {

TEST(Manifest, RoundTripsAndListsEveryAbiFeature) {
  auto m = FirmwareManifest::current(abi::make_fw_version(1, 2, 3));
  auto parsed = parse_manifest(format_manifest(m));
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->fw_version, abi::make_fw_version(1, 2, 3));
  EXPECT_EQ(parsed->abi_version, abi::kAbiVersion);
  EXPECT_EQ(parsed->max_contexts, 16u);
  EXPECT_EQ(parsed->features, m.features);
  for (const auto& f : abi::kFeatures) EXPECT_TRUE(parsed->has_feature(f.name)) << f.name;
  EXPECT_FALSE(parsed->has_feature("mailbox.teleport"));
}

TEST(Manifest, CommentsAndBlankLinesAreIgnored) {
  auto m = parse_manifest("npustack-firmware 1\n# a comment\n\nversion=0.0.1\nabi=1.0\nfeatures=dma.rings\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->features, std::vector<std::string>{"dma.rings"});
}

TEST(Manifest, MalformedTextIsRefusedWithTheLine) {
  const char* bad[] = {
      "",
      "npustack-firmware 2\nversion=0.0.1\nabi=1.0\nfeatures=x\n",
      "npustack-firmware 1\nversion=0.0.1\nabi=1.0\n",                      // no features
      "npustack-firmware 1\nversion=0.0\nabi=1.0\nfeatures=x\n",           // short version
      "npustack-firmware 1\nversion=0.0.256\nabi=1.0\nfeatures=x\n",       // out of range
      "npustack-firmware 1\nversion=0.0.1\nabi=1\nfeatures=x\n",
      "npustack-firmware 1\nversion=0.0.1\nabi=1.0\nfeatures=x,,y\n",
      "npustack-firmware 1\nversion=0.0.1\nabi=1.0\nfeatures=x\nmax_contexts=0\n",
      "npustack-firmware 1\nversion=0.0.1\nabi=1.0\nfeatures=x\ncolour=blue\n",
      "npustack-firmware 1\nversion 0.0.1\n",
  };
  for (const char* text : bad) {
    auto m = parse_manifest(text);
    ASSERT_FALSE(m) << text;
    EXPECT_EQ(m.error().code(), ErrorCode::kBadFormat);
  }
  auto m = parse_manifest("npustack-firmware 1\nversion=0.0.1\ncolour=blue\n");
  EXPECT_NE(m.error().message().find("line 3"), std::string::npos) << m.error().message();
}

}  // namespace
}  // namespace npu::fw
