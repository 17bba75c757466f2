// Mailbox and interrupt dispatch against the fake device: sequence numbers, a device that never
// answers, a lost interrupt recovered by polling, status errors, faults.
#include <gtest/gtest.h>

#include <cstring>

#include "fake_device.hpp"
#include "npu/driver/irq_dispatcher.hpp"
#include "npu/driver/mailbox_client.hpp"

namespace {

using namespace npu::driver;
using namespace std::chrono_literals;
namespace abi = npu::abi;
using npu::test::FakeDevice;

struct Rig {
  FakeDevice device;
  std::unique_ptr<IrqDispatcher> irq;
  std::unique_ptr<MailboxClient> mailbox;
  Rig() {
    (void)device.reset();
    device.write32(abi::reg::kIrqMask, abi::reg::kIrqAll);
    device.write32(abi::reg::kBootAddrLo, 0);
    irq = std::move(*IrqDispatcher::create(device, 5ms));
    mailbox = std::make_unique<MailboxClient>(device, *irq);
    // Alive without a boot: the fake serves the mailbox once STATUS says so.
    auto image = device.alloc_dma(64);
    npu::abi::FirmwareImageHeader h{};
    h.magic = abi::kFirmwareMagic;
    std::memcpy((*image)->data(), &h, sizeof h);
    device.write32(abi::reg::kBootAddrLo, static_cast<std::uint32_t>((*image)->device_address()));
    device.write32(abi::reg::kBootSize, 64);
    device.write32(abi::reg::kBootCtrl, abi::reg::kBootStart);
    // Let the dispatcher take the boot interrupt, so no stale event is counted later.
    for (int i = 0; i < 200 && irq->interrupts() == 0; ++i) std::this_thread::sleep_for(1ms);
  }
  ~Rig() {
    mailbox.reset();
    irq.reset();
  }
};

TEST(Mailbox, IdentifyRoundTripWithSequenceNumbers) {
  Rig rig;
  for (int i = 0; i < 5; ++i) {
    auto r = rig.mailbox->call<abi::IdentifyResponse>(abi::MboxOpcode::kIdentify, 1000ms);
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->device_magic, abi::kDeviceMagic);
  }
  EXPECT_EQ(rig.mailbox->requests(), 5u);
  EXPECT_EQ(rig.device.read32(abi::reg::kMboxResp + 4), 5u);  // seq echoed
}

TEST(Mailbox, DeviceThatNeverAnswersTimesOutNamingTheOpcode) {
  Rig rig;
  rig.device.mailbox_silent = true;
  const auto start = std::chrono::steady_clock::now();
  auto r = rig.mailbox->call<abi::StatsResponse>(abi::MboxOpcode::kQueryStats, 150ms);
  ASSERT_FALSE(r);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kTimeout);
  EXPECT_NE(r.error().message().find("QUERY_STATS"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("150 ms"), std::string::npos) << r.error().message();
}

TEST(Mailbox, LostInterruptIsRecoveredByPolling) {
  Rig rig;
  rig.device.drop_interrupts = true;
  auto r = rig.mailbox->call<abi::IdentifyResponse>(abi::MboxOpcode::kIdentify, 1000ms);
  ASSERT_TRUE(r) << r.error().what();
  // The fake answers synchronously, so the first check already succeeds: no wait, no loss.
  // Make the answer late instead: the waiter must sleep, and no interrupt comes.
  rig.device.mailbox_silent = true;
  std::thread late([&] {
    std::this_thread::sleep_for(30ms);
    rig.device.mailbox_silent = false;
    rig.device.write32(abi::reg::kDoorbell, abi::reg::kDoorbellMailbox);  // device serves now
  });
  auto again = rig.mailbox->call<abi::IdentifyResponse>(abi::MboxOpcode::kIdentify, 2000ms);
  late.join();
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_GE(rig.irq->lost_interrupts(), 1u);
}

TEST(Mailbox, StatusErrorsAreExplained) {
  Rig rig;
  abi::LoadContextRequest req{};
  req.program_addr = 0;  // device memory holds zeros there: not a program
  auto r = rig.mailbox->call<abi::LoadContextResponse>(abi::MboxOpcode::kLoadContext, req, 1000ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kBadFormat);
  EXPECT_NE(r.error().message().find("LOAD_CONTEXT"), std::string::npos);
  EXPECT_NE(r.error().message().find("recompile"), std::string::npos) << r.error().message();
  auto bad = rig.mailbox->call(static_cast<abi::MboxOpcode>(99), {}, 1000ms);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), npu::ErrorCode::kUnsupported);
}

TEST(Mailbox, FaultEndsTheWaitWithTheFaultExplained) {
  Rig rig;
  rig.device.fault_on_run = static_cast<std::uint32_t>(abi::FaultCode::kFirmwareCrash);
  abi::RunRequest req{};
  const auto start = std::chrono::steady_clock::now();
  auto r = rig.mailbox->call<abi::RunResponse>(abi::MboxOpcode::kRun, req, 5000ms);
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);  // not a timeout
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kDeviceError);
  EXPECT_NE(r.error().message().find("crashed"), std::string::npos) << r.error().message();
}

}  // namespace
