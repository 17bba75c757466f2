// SimDevice on its own, with a trivial timing double (fixed cost per item) so the cycle figures
// the device reports can be checked exactly, independent of the calibrated timing model.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

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

std::shared_ptr<SimDevice> make_device(bool steps_in_host_thread = true) {
  auto d = SimDevice::create(SimConfig{small_profile(), 3, {}, steps_in_host_thread},
                             std::make_unique<FixedCostTiming>(small_profile()));
  return d ? *d : nullptr;
}

// Boots the firmware image `image` (kept mapped by the caller) and waits for its interrupt.
bool boot(SimDevice& d, std::vector<std::byte>& image) {
  const std::uint64_t iova = d.map_host(image.data(), image.size());
  d.write32(reg::kIrqMask, reg::kIrqAll);
  d.write32(reg::kBootAddrLo, static_cast<std::uint32_t>(iova));
  d.write32(reg::kBootAddrHi, static_cast<std::uint32_t>(iova >> 32));
  d.write32(reg::kBootSize, static_cast<std::uint32_t>(image.size()));
  d.write32(reg::kBootCtrl, reg::kBootStart);
  return d.wait_interrupt(std::chrono::seconds(2)) == WaitResult::kInterrupt &&
         d.read32(reg::kStatus) == static_cast<std::uint32_t>(abi::DeviceState::kAlive);
}

// Posts a mailbox IDENTIFY with sequence number `seq`.
void post_identify(SimDevice& d, std::uint32_t seq) {
  abi::MboxMessage m{};
  m.header.opcode = static_cast<std::uint16_t>(abi::MboxOpcode::kIdentify);
  m.header.seq = seq;
  std::uint32_t words[sizeof(m.header) / 4];
  std::memcpy(words, &m.header, sizeof(words));
  for (std::uint32_t i = 0; i < std::size(words); ++i) d.write32(reg::kMboxReq + 4 * i, words[i]);
  d.write32(reg::kDoorbell, reg::kDoorbellMailbox);
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

TEST(SimDevice, BootAndMailboxAreChargedToTheTimingModel) {
  for (const bool in_host_thread : {true, false}) {  // where the steps run does not change a cycle
    SCOPED_TRACE(in_host_thread ? "steps in the host thread" : "steps on the control-core thread");
    auto d = make_device(in_host_thread);
    ASSERT_TRUE(d);
    auto image = fw::build_firmware_image(fw::FirmwareManifest::current(1), "unit");
    ASSERT_TRUE(boot(*d, image));
    EXPECT_EQ(d->cycles(), 100u);  // one control item
    EXPECT_EQ(d->read32(reg::kCyclesLo), 100u);
    EXPECT_EQ(d->read32(reg::kCyclesHi), 0u);

    // A mailbox IDENTIFY costs one more control item; the serial carries the device index.
    post_identify(*d, 9);
    ASSERT_TRUE(wait_bit(*d, reg::kIrqMailbox));
    std::uint32_t words[64];
    for (std::uint32_t i = 0; i < 64; ++i) words[i] = d->read32(reg::kMboxResp + 4 * i);
    abi::MboxMessage resp;
    std::memcpy(&resp, words, sizeof(resp));
    EXPECT_EQ(resp.header.seq, 9u);
    EXPECT_EQ(resp.header.status, 0u);
    EXPECT_EQ(resp.header.payload_size, sizeof(abi::IdentifyResponse));
    abi::IdentifyResponse id;
    std::memcpy(&id, resp.payload, sizeof(id));
    EXPECT_EQ(id.serial & 0xffffffff, 3u);
    EXPECT_STREQ(id.profile, "unit");
    EXPECT_EQ(d->cycles(), 200u);

    d->reset();
    EXPECT_EQ(d->cycles(), 0u);
    EXPECT_EQ(d->read32(reg::kStatus), static_cast<std::uint32_t>(abi::DeviceState::kWaitFirmware));
  }
}

TEST(SimDevice, ADoorbellThatFindsTheCoreIdleIsDoneWhenItsWriteReturns) {
  auto d = make_device();
  ASSERT_TRUE(d);
  auto image = fw::build_firmware_image(fw::FirmwareManifest::current(1), "unit");
  ASSERT_TRUE(boot(*d, image));
  const std::uint64_t host_ns = d->control_core_host_ns();
  post_identify(*d, 5);
  // No wait: the step ran in this thread, the response and its interrupt are there.
  EXPECT_TRUE(d->read32(reg::kIrqStatus) & reg::kIrqMailbox);
  EXPECT_EQ(d->read32(reg::kMboxResp + offsetof(abi::MboxHeader, seq)), 5u);
  EXPECT_EQ(d->cycles(), 200u);
  EXPECT_GT(d->control_core_host_ns(), host_ns);  // the step's host time is counted
}

TEST(SimDevice, AModeratedInterruptStillWakesABlockedWaiter) {
  auto d = make_device();
  ASSERT_TRUE(d);
  auto image = fw::build_firmware_image(fw::FirmwareManifest::current(1), "unit");
  ASSERT_TRUE(boot(*d, image));
  // A waiter blocked for up to 10 s takes two interrupts raised back to back by steps run in this
  // thread: the second falls within the first's moderation window (it wakes nobody when raised)
  // and must still reach the waiter within the window, not at the end of its wait.
  std::atomic<int> got{0};
  std::thread waiter([&] {
    for (int i = 0; i < 2; ++i) {
      if (d->wait_interrupt(std::chrono::seconds(10)) != WaitResult::kInterrupt) return;
      d->write32(reg::kIrqStatus, reg::kIrqAll);
      ++got;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it block
  const auto start = std::chrono::steady_clock::now();
  post_identify(*d, 1);
  while (got.load() == 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) std::this_thread::yield();
  post_identify(*d, 2);
  waiter.join();
  EXPECT_EQ(got.load(), 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
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
