// Every injected fault, observed through hal as a driver would see it, and recovery by reset.
#include <gtest/gtest.h>

#include "npu/firmware/program.hpp"
#include "npu/hal/enumerate.hpp"
#include "npu/hal/sim_control.hpp"
#include "sim_host.hpp"

namespace npu::test {
namespace {

using abi::MboxOpcode;
using abi::MboxStatus;
namespace reg = abi::reg;

std::unique_ptr<SimHost> booted() {
  auto host = SimHost::open();
  if (!host || host->boot().value_or(abi::DeviceState::kFaulted) != abi::DeviceState::kAlive) return nullptr;
  return host;
}

// Loads a one-NOP context 0 so RUN requests succeed.
void load_nop(SimHost& host) {
  abi::OpDesc nop{};
  auto program = fw::encode_program(std::span(&nop, 1));
  ASSERT_TRUE(host.write(0, program));
  abi::LoadContextRequest req{};
  req.program_size = program.size();
  ASSERT_EQ(host.call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kOk);
}

Expected<MboxReply> run(SimHost& host, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  abi::RunRequest r{};
  return host.call(MboxOpcode::kRun, std::as_bytes(std::span(&r, 1)), -1, timeout);
}

TEST(Faults, FirmwareCrashOnSecondRunThenResetRecovers) {
  auto host = booted();
  ASSERT_TRUE(host);
  load_nop(*host);
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "firmware_crash@run=2"));
  EXPECT_EQ(run(*host)->status, MboxStatus::kOk);
  host->post(MboxOpcode::kRun, {}, sizeof(abi::RunRequest));
  auto irq = host->wait_irq(reg::kIrqFault | reg::kIrqMailbox);
  ASSERT_TRUE(irq);
  EXPECT_TRUE(*irq & reg::kIrqFault);
  EXPECT_FALSE(*irq & reg::kIrqMailbox);  // the crashed request is never answered
  EXPECT_EQ(host->state(), abi::DeviceState::kFaulted);
  EXPECT_EQ(host->reg(reg::kErrorCode), static_cast<std::uint32_t>(abi::FaultCode::kFirmwareCrash));
  ASSERT_TRUE(host->reset());
  EXPECT_EQ(host->state(), abi::DeviceState::kWaitFirmware);
  host->device().write32(reg::kIrqMask, reg::kIrqAll);
  ASSERT_EQ(host->boot().value(), abi::DeviceState::kAlive);
  load_nop(*host);
  EXPECT_EQ(run(*host)->status, MboxStatus::kOk);  // fired once; counting went on past 2
}

TEST(Faults, FirmwareHangStopsAnsweringUntilReset) {
  auto host = booted();
  ASSERT_TRUE(host);
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "firmware_hang@mailbox=2"));
  EXPECT_EQ(host->call(MboxOpcode::kIdentify)->status, MboxStatus::kOk);
  auto r = host->call(MboxOpcode::kIdentify, {}, -1, std::chrono::milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  const std::uint32_t beat = host->reg(reg::kHeartbeat);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(host->reg(reg::kHeartbeat), beat);  // heartbeat stopped
  EXPECT_EQ(host->state(), abi::DeviceState::kAlive);  // a hang does not announce itself
  ASSERT_TRUE(host->reset());
  host->device().write32(reg::kIrqMask, reg::kIrqAll);
  ASSERT_EQ(host->boot().value(), abi::DeviceState::kAlive);
  EXPECT_EQ(host->call(MboxOpcode::kIdentify)->status, MboxStatus::kOk);
}

TEST(Faults, LostInterruptLatchesStatusButDoesNotSignal) {
  auto host = booted();
  ASSERT_TRUE(host);
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "lost_interrupt@mailbox=1"));
  // boot() may have taken the boot interrupt from IRQ_STATUS before waiting on the line, which
  // leaves that edge remembered; drop it so only the mailbox's (lost) interrupt could signal.
  while (host->device().wait_interrupt(std::chrono::milliseconds(0))) {
  }
  host->post(MboxOpcode::kIdentify, {}, 0);
  auto w = host->device().wait_interrupt(std::chrono::milliseconds(200));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kTimeout);
  EXPECT_TRUE(host->reg(reg::kIrqStatus) & reg::kIrqMailbox);  // the response is there
  EXPECT_EQ(host->reg(reg::kMboxResp) & 0xffff, static_cast<std::uint32_t>(MboxOpcode::kIdentify));
  host->device().write32(reg::kIrqStatus, reg::kIrqAll);
  EXPECT_EQ(host->call(MboxOpcode::kIdentify)->status, MboxStatus::kOk);  // next one is delivered
}

TEST(Faults, DmaErrorFailsTheNthDescriptor) {
  auto host = booted();
  ASSERT_TRUE(host);
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "dma_error@dma=3"));
  std::vector<std::byte> data(5 * 512, std::byte{1});
  auto s = host->write(0, data, 512);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (std::vector<abi::DmaStatus>{abi::DmaStatus::kDone, abi::DmaStatus::kDone,
                                             abi::DmaStatus::kTransferError, abi::DmaStatus::kDone,
                                             abi::DmaStatus::kDone}));
  EXPECT_EQ(host->state(), abi::DeviceState::kAlive);
}

TEST(Faults, MemoryErrorDuringRunFaultsTheDevice) {
  auto host = booted();
  ASSERT_TRUE(host);
  load_nop(*host);
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "memory_error@run=1"));
  host->post(MboxOpcode::kRun, {}, sizeof(abi::RunRequest));
  ASSERT_TRUE(host->wait_irq(reg::kIrqFault));
  EXPECT_EQ(host->state(), abi::DeviceState::kFaulted);
  EXPECT_EQ(host->reg(reg::kErrorCode), static_cast<std::uint32_t>(abi::FaultCode::kMemoryError));
}

TEST(Faults, DeviceRemovalMakesEverythingFail) {
  auto host = booted();
  ASSERT_TRUE(host);
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "device_removal@mailbox=1"));
  host->post(MboxOpcode::kIdentify, {}, 0);
  // The removal happens on the device's control core after the doorbell; an interrupt edge still
  // pending from before may be delivered first. Every later wait must report the loss.
  auto w = host->device().wait_interrupt(std::chrono::milliseconds(2000));
  for (int i = 0; i < 4 && w; ++i) w = host->device().wait_interrupt(std::chrono::milliseconds(2000));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kDeviceLost);
  EXPECT_FALSE(host->device().present());
  EXPECT_EQ(host->reg(reg::kId), 0xffffffffu);
  EXPECT_EQ(host->reg(reg::kStatus), 0xffffffffu);
  EXPECT_EQ(host->reset().error().code(), ErrorCode::kDeviceLost);
  EXPECT_EQ(host->device().alloc_dma(4096).error().code(), ErrorCode::kDeviceLost);
}

TEST(Faults, EnvironmentPlanAppliesAtOpen) {
  ::setenv("NPU_SIM_FAULTS", "firmware_crash@boot=1", 1);
  auto host = SimHost::open();
  ::unsetenv("NPU_SIM_FAULTS");
  ASSERT_TRUE(host);
  ASSERT_TRUE(host->boot(SimHost::good_image()).has_value() == false ||
              host->state() == abi::DeviceState::kFaulted);
  EXPECT_EQ(host->state(), abi::DeviceState::kFaulted);

  ::setenv("NPU_SIM_FAULTS", "firmware_crash@nowhere=1", 1);
  host.reset();
  auto bad = hal::open_device("sim:0");
  ::unsetenv("NPU_SIM_FAULTS");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("trigger"), std::string::npos);
}

TEST(Faults, SimControlNeedsAnOpenDevice) {
  EXPECT_EQ(hal::sim_control::set_faults("sim:7", "").error().code(), ErrorCode::kNotFound);
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  EXPECT_EQ(hal::sim_control::set_faults("sim:0", "bogus").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(hal::sim_control::set_faults("sim:0", ""));
}

}  // namespace
}  // namespace npu::test
