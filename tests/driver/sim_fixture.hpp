// Shared fixture of the driver's simulator tests: a driver over hal "sim:0" with small DMA
// settings, firmware images built with the firmware library's image builder.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "npu/driver/driver.hpp"
#include "npu/firmware/fw_image.hpp"
#include "npu/hal/enumerate.hpp"
#include "npu/hal/sim_control.hpp"
#include "npu_abi/version.hpp"

namespace npu::test {

using namespace npu::driver;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline std::vector<std::byte> good_image() {
  return npu::fw::build_firmware_image(
      npu::fw::FirmwareManifest::current(abi::make_fw_version(0, 1, 0)), "driver-test");
}

inline abi::FirmwareImageHeader& header_of(std::vector<std::byte>& image) {
  return *reinterpret_cast<abi::FirmwareImageHeader*>(image.data());
}

struct SimDriver : ::testing::Test {
  fs::path dir = fs::temp_directory_path() /
                 (std::string("npu-drvsim-") +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
  DriverOptions options;

  SimDriver() {
    fs::create_directories(dir);
    options.firmware_path = write_image("fw.bin", good_image());
    options.mailbox_timeout = 500ms;
    options.dma_timeout = 1000ms;
    options.run_timeout = 2000ms;
    options.ring_entries = 8;
    options.staging_bytes = 64 * 1024;
    options.max_descriptor_bytes = 4096;
  }
  ~SimDriver() override { fs::remove_all(dir); }

  fs::path write_image(const std::string& name, const std::vector<std::byte>& bytes) {
    const auto path = dir / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  npu::Expected<std::unique_ptr<Driver>> open() {
    auto dev = npu::hal::open_device("sim:0");
    if (!dev) return std::unexpected(dev.error());
    return Driver::open(std::move(*dev), options);
  }
  void inject(const std::string& faults) { ASSERT_TRUE(npu::hal::sim_control::set_faults("sim:0", faults)); }
};

inline std::vector<std::byte> pattern(std::size_t n) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::byte(static_cast<unsigned char>(i * 7 + i / 251));
  return v;
}

}  // namespace npu::test
