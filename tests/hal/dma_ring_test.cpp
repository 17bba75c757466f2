// H2D/D2H rings: round trips with wrap-around (more descriptors than entries, several rounds),
// descriptor statuses for bad addresses and malformed descriptors, sparse DDR backing.
#include <gtest/gtest.h>
#include <algorithm>

#include <numeric>

#include "npu/hal/sim_control.hpp"
#include "sim_host.hpp"

namespace npu::test {
namespace {

using abi::DmaStatus;
namespace reg = abi::reg;

std::unique_ptr<SimHost> booted(std::uint32_t entries = 8) {
  auto host = SimHost::open("sim:0", entries);
  if (!host || host->boot().value_or(abi::DeviceState::kFaulted) != abi::DeviceState::kAlive) return nullptr;
  return host;
}

std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed) {
  std::vector<std::byte> v(n);
  std::uint32_t x = seed;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::byte>(x >> 24);
  }
  return v;
}

TEST(DmaRings, RoundTripWrapsAroundSeveralTimes) {
  auto host = booted(8);
  ASSERT_TRUE(host);
  // 37 descriptors of 1000 bytes through 8-entry rings: more than four rounds, odd sizes.
  const auto data = pattern(37 * 1000 - 123, 7);
  const std::uint64_t addr = (3ull << 30) + 12345;  // unaligned, deep in DDR
  for (int round = 0; round < 2; ++round) {  // twice: free-running indices keep counting
    auto w = host->write(addr, data, 1000);
    ASSERT_TRUE(w) << w.error().what();
    ASSERT_EQ(w->size(), 37u);
    for (auto s : *w) EXPECT_EQ(s, DmaStatus::kDone);
    std::vector<std::byte> back(data.size());
    auto r = host->read(addr, back, 1000);
    ASSERT_TRUE(r) << r.error().what();
    for (auto s : *r) EXPECT_EQ(s, DmaStatus::kDone);
    EXPECT_EQ(back, data);
  }
  EXPECT_EQ(host->reg(reg::kH2dRing + reg::kRingHead), 74u);
  EXPECT_EQ(host->reg(reg::kD2hRing + reg::kRingHead), 74u);
  auto stats = host->call(abi::MboxOpcode::kQueryStats)->payload<abi::StatsResponse>();
  EXPECT_EQ(stats.h2d_bytes, 2 * data.size());
  EXPECT_EQ(stats.d2h_bytes, 2 * data.size());
  // 8 GiB of DDR, two 16 MiB chunks touched: backing is allocated lazily.
  EXPECT_LE(hal::sim_control::ddr_resident_bytes("sim:0").value(), 64ull << 20);
}

TEST(DmaRings, TransferAcrossBackingChunksAndUnwrittenMemoryReadsZero) {
  auto host = booted();
  ASSERT_TRUE(host);
  const auto data = pattern(70000, 3);
  const std::uint64_t addr = (16ull << 20) - 30000;  // straddles a chunk boundary
  ASSERT_TRUE(host->write(addr, data, 65536));
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(host->read(addr, back, 65536));
  EXPECT_EQ(back, data);
  std::vector<std::byte> zeros(4096, std::byte{0x55});
  ASSERT_TRUE(host->read(5ull << 30, zeros));
  EXPECT_TRUE(std::ranges::all_of(zeros, [](std::byte b) { return b == std::byte{0}; }));
}

TEST(DmaRings, BadDescriptorsGetErrorStatusesAndRingKeepsGoing) {
  auto host = booted();
  ASSERT_TRUE(host);
  auto buf = host->device().alloc_dma(4096).value();
  const std::uint64_t iova = buf->device_address();
  std::vector<abi::DmaDescriptor> d = {
      {iova, 0, 4096, 0, 0, 1, 0},                 // fine
      {iova, (8ull << 30) - 100, 4096, 0, 0, 2, 0},  // past the end of DDR
      {0x10, 0, 64, 0, 0, 3, 0},                   // host address not mapped
      {iova + buf->size() - 96, 0, 200, 0, 0, 4, 0},  // runs past the end of the mapping (any page size)
      {iova, 0, 0, 0, 0, 5, 0},                    // zero length
      {iova, 0, 64, 0, 0, 6, 7},                   // reserved set
      {iova, 64, 64, 0, 0, 7, 0},                  // fine
  };
  auto s = host->transfer(true, d);
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(*s, (std::vector<DmaStatus>{DmaStatus::kDone, DmaStatus::kBadDeviceAddress, DmaStatus::kBadHostAddress,
                                        DmaStatus::kBadHostAddress, DmaStatus::kTransferError,
                                        DmaStatus::kTransferError, DmaStatus::kDone}));
  EXPECT_EQ(host->state(), abi::DeviceState::kAlive);
}

TEST(DmaRings, UnusableRingFaultsTheDevice) {
  auto host = booted();
  ASSERT_TRUE(host);
  host->device().write32(reg::kH2dRing + reg::kRingSize, 6);  // not a power of two
  host->device().write32(reg::kH2dRing + reg::kRingTail, 1);
  host->device().write32(reg::kDoorbell, reg::kDoorbellH2d);
  ASSERT_TRUE(host->wait_irq(reg::kIrqFault));
  EXPECT_EQ(host->state(), abi::DeviceState::kFaulted);
  EXPECT_EQ(host->reg(reg::kErrorCode), static_cast<std::uint32_t>(abi::FaultCode::kDmaFault));
  // Reset and re-boot recover it.
  ASSERT_TRUE(host->reset());
  EXPECT_EQ(host->state(), abi::DeviceState::kWaitFirmware);
  EXPECT_EQ(host->reg(reg::kH2dRing + reg::kRingHead), 0u);
}

TEST(DmaRings, HeadIsReadOnlyForTheHost) {
  auto host = booted();
  ASSERT_TRUE(host);
  host->device().write32(reg::kH2dRing + reg::kRingHead, 5);
  EXPECT_EQ(host->reg(reg::kH2dRing + reg::kRingHead), 0u);
}

}  // namespace
}  // namespace npu::test
