// Shared fixture of the driver's simulator tests: a driver over hal "sim:0" with small DMA
// settings, firmware images built with the firmware library's image builder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "npu/driver/driver.hpp"
#include "npu/firmware/program.hpp"
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
  // Per process as well as per test: ctest runs a test alone and, at the same time, the whole
  // binary again with 16 KiB pages; they must not write each other's images.
  fs::path dir = fs::temp_directory_path() /
                 (std::string("npu-drvsim-") + std::to_string(::getpid()) + "-" +
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

// A context of `ops` identical int8 GEMMs on `drv`: input M x K at io offset 0, weights N x K,
// output M x N at io offset `out_offset`, requantized by 1/2 (multiplier 2^30).
struct GemmContext {
  DeviceAllocation weights, io;
  ContextHandle context;
};
inline npu::Expected<GemmContext> load_gemm_context(Driver& drv, int M, int K, int N, std::uint32_t out_offset,
                                                    std::uint32_t ops = 1) {
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(abi::OpCode::kGemmI8);
  op.dims[0] = static_cast<std::uint32_t>(M);
  op.dims[1] = static_cast<std::uint32_t>(K);
  op.dims[2] = static_cast<std::uint32_t>(N);
  op.operands[0] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kI8, 0);
  op.operands[1] = npu::fw::make_operand(abi::Segment::kWeights, abi::DType::kI8, 0);
  op.operands[2] = npu::fw::absent_operand();
  op.operands[3] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kI8, out_offset);
  op.params[0] = 1 << 30;
  const std::vector<abi::OpDesc> program(ops, op);
  const auto prog = npu::fw::encode_program(program);
  GemmContext g;
  NPU_TRY_ASSIGN(g.weights, drv.allocate(std::max<std::uint64_t>(std::uint64_t(K) * N, 4096)));
  NPU_TRY_ASSIGN(g.io, drv.allocate(std::max<std::uint64_t>(out_offset + std::uint64_t(M) * N, 4096)));
  ContextSpec spec;
  spec.program = prog;
  spec.segments[0] = g.weights;
  spec.segments[1] = g.io;
  spec.num_segments = 2;
  NPU_TRY_ASSIGN(g.context, drv.load_context(spec));
  return g;
}

inline std::vector<std::byte> pattern(std::size_t n) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::byte(static_cast<unsigned char>(i * 7 + i / 251));
  return v;
}

}  // namespace npu::test
