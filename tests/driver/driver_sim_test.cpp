// The driver against the simulated device through hal ("sim:0"): boot + identify, DMA round trips
// larger than the staging area and the ring, a real GEMM context
// (image refusals and fault recovery: driver_sim_faults_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "npu/firmware/program.hpp"
#include "sim_fixture.hpp"

namespace {

using namespace npu::test;
using npu::ErrorCode;
namespace abi = npu::abi;

TEST_F(SimDriver, BootsAndIdentifies) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  const auto& id = (*d)->identity();
  EXPECT_EQ(id.info.id, "sim:0");
  EXPECT_EQ(abi::abi_major(id.abi_version), abi::kAbiMajor);
  EXPECT_EQ(id.fw_build_id, "driver-test");
  EXPECT_GT(id.ddr_bytes, 0u);
  EXPECT_GT(id.max_contexts, 0u);
  EXPECT_FALSE(id.board_name.empty());
  EXPECT_EQ((*d)->free_device_bytes(), id.ddr_bytes);
}

TEST_F(SimDriver, FindsTheImageThroughNpuFirmwareDir) {
  write_image("npustack-fw.bin", good_image());
  ::setenv("NPU_FIRMWARE_DIR", dir.c_str(), 1);
  options.firmware_path.clear();
  auto d = open();
  ::unsetenv("NPU_FIRMWARE_DIR");
  ASSERT_TRUE(d) << d.error().what();
}

TEST_F(SimDriver, DmaRoundTripLargerThanStagingAndRing) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  const auto data = pattern(1024 * 1024 + 123);  // 16 staging areas, 257 descriptors, 8-slot ring
  auto buf = drv.allocate(data.size());
  ASSERT_TRUE(buf) << buf.error().what();
  ASSERT_TRUE(drv.write(buf->address, data));
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(drv.read(buf->address, back));
  EXPECT_EQ(back, data);
  auto s = drv.stats();
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_GE(s->h2d_descriptors, 257u);
  EXPECT_GE(s->h2d_bytes, data.size());
  EXPECT_GE(s->d2h_bytes, data.size());
}

TEST_F(SimDriver, RunsAGemmContext) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  constexpr int M = 2, K = 8, N = 3;
  std::int8_t a[M * K], w[N * K];
  for (int i = 0; i < M * K; ++i) a[i] = static_cast<std::int8_t>(i * 3 - 20);
  for (int i = 0; i < N * K; ++i) w[i] = static_cast<std::int8_t>(11 - i * 2);
  auto g = load_gemm_context(drv, M, K, N, 64);
  ASSERT_TRUE(g) << g.error().what();
  ASSERT_TRUE(drv.write(g->weights.address, std::as_bytes(std::span(w))));
  ASSERT_TRUE(drv.write(g->io.address, std::as_bytes(std::span(a))));
  const auto* ctx = &g->context;
  auto run = drv.run(*ctx);
  ASSERT_TRUE(run) << run.error().what();
  EXPECT_EQ(run->ops_executed, 1u);
  EXPECT_GT(run->end_cycle, run->start_cycle);
  std::int8_t out[M * N];
  ASSERT_TRUE(drv.read(g->io.address + 64, std::as_writable_bytes(std::span(out))));
  for (int m = 0; m < M; ++m) {
    for (int n = 0; n < N; ++n) {
      std::int64_t acc = 0;
      for (int k = 0; k < K; ++k) acc += a[m * K + k] * w[n * K + k];
      const std::int64_t want = std::clamp<std::int64_t>((acc * (1 << 30) + (1ll << 30)) >> 31, -128, 127);
      EXPECT_EQ(out[m * N + n], want) << m << "," << n;
    }
  }
  ASSERT_TRUE(drv.unload_context(*ctx));
}

}  // namespace
