#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "npu/driver/firmware_locator.hpp"

namespace {

namespace fs = std::filesystem;
using npu::driver::FirmwareSearch;
using npu::driver::locate_firmware;

struct TempDir {
  fs::path path = fs::temp_directory_path() /
                  ("npu-fwloc-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                   "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  fs::path touch(const std::string& dir) {
    fs::create_directories(path / dir);
    std::ofstream(path / dir / npu::driver::kFirmwareFileName) << "x";
    return path / dir / npu::driver::kFirmwareFileName;
  }
};

TEST(FirmwareLocator, MissingEverywhereNamesEveryPathAndTheFix) {
  TempDir t;
  FirmwareSearch s{{}, t.path / "env", t.path / "build", t.path / "install"};
  auto r = locate_firmware(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kNotFound);
  const auto& msg = r.error().message();
  for (const char* dir : {"env", "build", "install"}) {
    EXPECT_NE(msg.find((t.path / dir / "npustack-fw.bin").string()), std::string::npos) << msg;
  }
  EXPECT_NE(msg.find("NPU_FIRMWARE_DIR"), std::string::npos) << msg;
  EXPECT_NE(msg.find("firmware_path"), std::string::npos) << msg;
}

TEST(FirmwareLocator, SearchOrderEnvThenBuildThenInstall) {
  TempDir t;
  FirmwareSearch s{{}, t.path / "env", t.path / "build", t.path / "install"};
  const auto install = t.touch("install");
  EXPECT_EQ(*locate_firmware(s), install);
  const auto build = t.touch("build");
  EXPECT_EQ(*locate_firmware(s), build);
  const auto env = t.touch("env");
  EXPECT_EQ(*locate_firmware(s), env);
  s.env_dir.reset();  // NPU_FIRMWARE_DIR unset
  EXPECT_EQ(*locate_firmware(s), build);
}

TEST(FirmwareLocator, ExplicitPathIsUsedAloneAndReportedWhenMissing) {
  TempDir t;
  const auto build = t.touch("build");
  FirmwareSearch s{t.path / "nope.bin", std::nullopt, t.path / "build", {}};
  auto r = locate_firmware(s);
  ASSERT_FALSE(r);  // no silent fallback to the build tree
  EXPECT_NE(r.error().message().find("nope.bin"), std::string::npos);
  EXPECT_NE(r.error().message().find("does not exist"), std::string::npos);
  s.explicit_path = t.path / "build";  // a directory
  r = locate_firmware(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("is a directory"), std::string::npos);
  s.explicit_path = build;
  EXPECT_EQ(*locate_firmware(s), build);
}

}  // namespace
