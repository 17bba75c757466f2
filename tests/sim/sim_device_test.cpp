// SimDevice on its own, with a trivial timing double (fixed cost per item) so the cycle figures
// the device reports can be checked exactly, independent of the calibrated timing model.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "npu/firmware/fw_image.hpp"
#include "npu/sim/sim_device.hpp"
#include "npu_abi/abi.hpp"

namespace npu::sim {
namespace {

namespace reg = abi::reg;

// Every item costs 100 cycles plus one per byte, strictly one after another.
class FixedCostTiming final : public TimingModel {
 public:
  explicit FixedCostTiming(DeviceProfile p) : profile_(std::move(p)) {}
  Charge charge(const WorkItem& item, Cycles ready) override {
    Charge c;
    c.start = std::max(ready, now_);
    c.end = c.start + 100 + item.bytes;
    c.compute_cycles = item.kind == WorkKind::kCompute ? 100 : 0;
    now_ = busy_ = c.end;
    ++items;
    return c;
  }
  Cycles now() const noexcept override { return now_; }
  Cycles busy_cycles() const noexcept override { return busy_; }
  const DeviceProfile& profile() const noexcept override { return profile_; }
  const TimingTotals& totals() const noexcept override { return totals_; }
  double energy_j() const noexcept override { return 0; }
  void reset() noexcept override { now_ = busy_ = 0; }
  void enable_trace(bool) override {}
  std::string trace_json() const override { return "[]"; }
  int items = 0;

 private:
  DeviceProfile profile_;
  TimingTotals totals_;
  Cycles now_ = 0, busy_ = 0;
};

DeviceProfile small_profile() {
  DeviceProfile p;
  p.name = "unit";
  p.clock_hz = 1e9;
  p.clusters = 2;
  p.ddr_bytes = 1ull << 30;
  p.sram_bytes = 1 << 20;
  return p;
}

std::shared_ptr<SimDevice> make_device() {
  auto d = SimDevice::create(SimConfig{small_profile(), 3, {}}, std::make_unique<FixedCostTiming>(small_profile()));
  return d ? *d : nullptr;
}

bool wait_bit(SimDevice& d, std::uint32_t bit) {
  for (int i = 0; i < 200; ++i) {
    if (d.read32(reg::kIrqStatus) & bit) return true;
    (void)d.wait_interrupt(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(SimDevice, CreateRefusesIncompleteProfiles) {
  DeviceProfile p = small_profile();
  p.ddr_bytes = 0;
  auto d = SimDevice::create(SimConfig{p, 0, {}}, std::make_unique<FixedCostTiming>(p));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(SimDevice::create(SimConfig{small_profile(), 0, {}}, nullptr));
}

TEST(SimDevice, RegistersComeFromTheProfile) {
  auto d = make_device();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->read32(reg::kClockKhz), 1000000u);
  EXPECT_EQ(d->read32(reg::kDdrSizeMb), 1024u);
  EXPECT_EQ(d->read32(reg::kSramSizeKb), 1024u);
  d->write32(reg::kId, 5);  // read-only
  EXPECT_EQ(d->read32(reg::kId), abi::kDeviceMagic);
  d->write32(reg::kIrqMask, 0xffffffff);
  EXPECT_EQ(d->read32(reg::kIrqMask), reg::kIrqAll);
}

TEST(SimDevice, BootIsAsynchronousAndChargedToTheTimingModel) {
  auto d = make_device();
  ASSERT_TRUE(d);
  auto image = fw::build_firmware_image(fw::FirmwareManifest::current(1), "unit");
  const std::uint64_t iova = d->map_host(image.data(), image.size());
  d->write32(reg::kIrqMask, reg::kIrqAll);
  d->write32(reg::kBootAddrLo, static_cast<std::uint32_t>(iova));
  d->write32(reg::kBootAddrHi, static_cast<std::uint32_t>(iova >> 32));
  d->write32(reg::kBootSize, static_cast<std::uint32_t>(image.size()));
  d->write32(reg::kBootCtrl, reg::kBootStart);
  ASSERT_EQ(d->wait_interrupt(std::chrono::seconds(2)), WaitResult::kInterrupt);
  EXPECT_EQ(d->read32(reg::kStatus), static_cast<std::uint32_t>(abi::DeviceState::kAlive));
  EXPECT_EQ(d->cycles(), 100u);  // one control item
  EXPECT_EQ(d->read32(reg::kCyclesLo), 100u);
  EXPECT_EQ(d->read32(reg::kCyclesHi), 0u);
  d->unmap_host(iova);

  // A mailbox IDENTIFY costs one more control item; the serial carries the device index.
  abi::MboxMessage m{};
  m.header.opcode = static_cast<std::uint16_t>(abi::MboxOpcode::kIdentify);
  m.header.seq = 9;
  for (std::uint32_t i = 0; i < 4; ++i) d->write32(reg::kMboxReq + 4 * i, reinterpret_cast<std::uint32_t*>(&m)[i]);
  d->write32(reg::kDoorbell, reg::kDoorbellMailbox);
  ASSERT_TRUE(wait_bit(*d, reg::kIrqMailbox));
  std::uint32_t words[64];
  for (std::uint32_t i = 0; i < 64; ++i) words[i] = d->read32(reg::kMboxResp + 4 * i);
  abi::MboxMessage resp;
  std::memcpy(&resp, words, sizeof(resp));
  EXPECT_EQ(resp.header.seq, 9u);
  abi::IdentifyResponse id;
  std::memcpy(&id, resp.payload, sizeof(id));
  EXPECT_EQ(id.serial & 0xffffffff, 3u);
  EXPECT_STREQ(id.profile, "unit");
  EXPECT_EQ(d->cycles(), 200u);

  d->reset();
  EXPECT_EQ(d->cycles(), 0u);
  EXPECT_EQ(d->read32(reg::kStatus), static_cast<std::uint32_t>(abi::DeviceState::kWaitFirmware));
}

TEST(SimDevice, RemovalWakesWaiters) {
  auto d = make_device();
  ASSERT_TRUE(d);
  d->set_fault_plan(*FaultPlan::parse("device_removal@boot=1"));
  std::thread waiter([&] { EXPECT_EQ(d->wait_interrupt(std::chrono::seconds(5)), WaitResult::kRemoved); });
  d->write32(reg::kBootCtrl, reg::kBootStart);
  waiter.join();
  EXPECT_FALSE(d->present());
  EXPECT_EQ(d->read32(reg::kId), 0xffffffffu);
}

}  // namespace
}  // namespace npu::sim
