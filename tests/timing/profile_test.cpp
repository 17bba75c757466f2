// DeviceProfile: the shipped profiles load, inherit from a base, and malformed files give errors
// that name the file and the field.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "npu/sim/device_profile.hpp"

namespace npu::sim {
namespace {

TEST(DeviceProfile, LoadsDefaultProfileWithPublishedFacts) {
  auto p = DeviceProfile::load("hailo10h");
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_EQ(p->name, "hailo10h");
  EXPECT_DOUBLE_EQ(p->int4_ops_per_s, 40e12);
  EXPECT_DOUBLE_EQ(p->int8_ops_per_s, 20e12);
  EXPECT_EQ(p->ddr_bytes, 8ull << 30);
  EXPECT_EQ(p->link_name, "PCIe Gen3 x4");
  EXPECT_FALSE(p->why.at("ddr_efficiency").empty());
}

TEST(DeviceProfile, PiProfilesInheritAndOverrideTheLink) {
  auto base = DeviceProfile::load("hailo10h");
  auto gen2 = DeviceProfile::load("rpi5-x1-gen2");
  auto gen3 = DeviceProfile::load("rpi5-x1-gen3");
  ASSERT_TRUE(base && gen2 && gen3);
  EXPECT_EQ(gen2->name, "rpi5-x1-gen2");
  EXPECT_EQ(gen2->link_name, "PCIe Gen2 x1");
  EXPECT_LT(gen2->link_bytes_per_s, gen3->link_bytes_per_s);
  EXPECT_LT(gen3->link_bytes_per_s, base->link_bytes_per_s);
  EXPECT_DOUBLE_EQ(gen2->ddr_efficiency, base->ddr_efficiency);
  EXPECT_NE(gen2->why.at("link_bytes_per_s"), base->why.at("link_bytes_per_s"));
  // The device behind the link is the same: it reads its compiled KV window every step too.
  EXPECT_EQ(base->attention_static_kv_window, 1u);
  EXPECT_EQ(gen2->attention_static_kv_window, 1u);
  EXPECT_EQ(gen3->attention_static_kv_window, 1u);
  EXPECT_EQ(gen3->why.at("attention_static_kv_window"), base->why.at("attention_static_kv_window"));
}

TEST(DeviceProfile, MissingProfileNamesTheSearchPath) {
  auto p = DeviceProfile::load("no-such-device");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(p.error().message().find("NPU_PROFILE_DIR"), std::string::npos);
  auto file = DeviceProfile::load("/nonexistent/dir/x.json");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ErrorCode::kNotFound);
}

TEST(DeviceProfile, NamesResolveThroughNpuProfileDirFirst) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("npu-prof-{}", ::getpid());
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const char* text) { std::ofstream(dir / name) << text; };
  write("rpi5-x1-gen3.json",
        R"({"name": "shadow", "description": "d", "base": "hailo10h", "params": {}})");
  write("loop-a.json", R"({"name": "a", "description": "d", "base": "loop-b", "params": {}})");
  write("loop-b.json", R"({"name": "b", "description": "d", "base": "loop-a", "params": {}})");
  ::setenv("NPU_PROFILE_DIR", dir.c_str(), 1);
  auto found = DeviceProfile::find("rpi5-x1-gen3");
  auto shadow = DeviceProfile::load("rpi5-x1-gen3");
  auto gen2 = DeviceProfile::load("rpi5-x1-gen2");  // not in the dir: falls back to the tree
  auto loop = DeviceProfile::load("loop-a");
  ::unsetenv("NPU_PROFILE_DIR");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, dir / "rpi5-x1-gen3.json");
  ASSERT_TRUE(shadow) << shadow.error().what();
  EXPECT_EQ(shadow->name, "shadow");
  ASSERT_TRUE(gen2) << gen2.error().what();
  EXPECT_EQ(gen2->name, "rpi5-x1-gen2");
  ASSERT_FALSE(loop);
  EXPECT_NE(loop.error().message().find("cycle"), std::string::npos) << loop.error().message();
}

Expected<DeviceProfile> parse_with_base(const std::string& params) {
  return DeviceProfile::parse(
      R"({"name": "t", "description": "test", "base": "hailo10h", "params": {)" + params + "}}",
      "test.json");
}

void expect_error_naming(const Expected<DeviceProfile>& p, const std::string& field) {
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(p.error().message().find("test.json"), std::string::npos) << p.error().message();
  EXPECT_NE(p.error().message().find(field), std::string::npos) << p.error().message();
}

TEST(DeviceProfile, OverrideAppliesOnTopOfBase) {
  auto p = parse_with_base(R"("ddr_efficiency": {"value": 0.7, "why": "test"})");
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_DOUBLE_EQ(p->ddr_efficiency, 0.7);
  EXPECT_DOUBLE_EQ(p->int8_ops_per_s, 20e12);
}

TEST(DeviceProfile, RejectsMalformedFields) {
  expect_error_naming(parse_with_base(R"("ddr_efficiency": {"value": 0.7})"), "ddr_efficiency");
  expect_error_naming(parse_with_base(R"("ddr_efficiency": {"why": "x"})"), "ddr_efficiency");
  expect_error_naming(parse_with_base(R"("ddr_efficiency": 0.7)"), "ddr_efficiency");
  expect_error_naming(parse_with_base(R"("ddr_efficiency": {"value": "high", "why": "x"})"),
                      "ddr_efficiency");
  expect_error_naming(parse_with_base(R"("ddr_efficiency": {"value": 7, "why": "x"})"),
                      "ddr_efficiency");
  expect_error_naming(parse_with_base(R"("clusters": {"value": 2.5, "why": "x"})"), "clusters");
  expect_error_naming(parse_with_base(R"("attention_static_kv_window": {"value": 2, "why": "x"})"),
                      "attention_static_kv_window");
  expect_error_naming(parse_with_base(R"("link_name": {"value": 3, "why": "x"})"), "link_name");
  expect_error_naming(parse_with_base(R"("ddr_efficency": {"value": 0.5, "why": "x"})"),
                      "ddr_efficency");
}

TEST(DeviceProfile, RejectsMissingFieldsWithoutBase) {
  auto p = DeviceProfile::parse(
      R"({"name": "t", "description": "d", "params": {"clock_hz": {"value": 1e9, "why": "x"}}})",
      "test.json");
  expect_error_naming(p, "clusters");
}

TEST(DeviceProfile, RejectsBrokenDocuments) {
  expect_error_naming(DeviceProfile::parse("{not json", "test.json"), "");
  expect_error_naming(DeviceProfile::parse("[1, 2]", "test.json"), "");
  expect_error_naming(DeviceProfile::parse(R"({"name": "t", "params": {}})", "test.json"),
                      "description");
  expect_error_naming(DeviceProfile::parse(R"({"name": "t", "description": "d"})", "test.json"),
                      "params");
  auto bad_base = DeviceProfile::parse(
      R"({"name": "t", "description": "d", "base": "nope-nope", "params": {}})", "test.json");
  ASSERT_FALSE(bad_base);
  EXPECT_NE(bad_base.error().message().find("nope-nope"), std::string::npos);
}

TEST(DeviceProfile, CyclesRoundUp) {
  auto p = DeviceProfile::load("hailo10h");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->cycles(0.0), 0u);
  EXPECT_EQ(p->cycles(-1.0), 0u);
  EXPECT_EQ(p->cycles(1e-9), 1u);
  EXPECT_EQ(p->cycles(1.5e-9), 2u);
  EXPECT_DOUBLE_EQ(p->seconds(1000), 1e-6);
}

}  // namespace
}  // namespace npu::sim
