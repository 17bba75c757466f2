#include <gtest/gtest.h>

#include <cstdlib>

#include "npu/sim/fault_plan.hpp"

namespace npu::sim {
namespace {

TEST(FaultPlan, ParsesTheDocumentedSyntax) {
  auto plan = FaultPlan::parse(" firmware_crash@run=2, lost_interrupt@mailbox=3,dma_error@dma=10 ,"
                               "firmware_hang@load=1,device_removal@boot=4,memory_error@run=1");
  ASSERT_TRUE(plan) << plan.error().what();
  ASSERT_EQ(plan->faults.size(), 6u);
  EXPECT_EQ(plan->faults[0], (FaultSpec{FaultKind::kFirmwareCrash, FaultTrigger::kRun, 2}));
  EXPECT_EQ(plan->faults[1], (FaultSpec{FaultKind::kLostInterrupt, FaultTrigger::kMailbox, 3}));
  EXPECT_EQ(plan->faults[2], (FaultSpec{FaultKind::kDmaError, FaultTrigger::kDma, 10}));
  EXPECT_EQ(plan->to_string(),
            "firmware_crash@run=2,lost_interrupt@mailbox=3,dma_error@dma=10,firmware_hang@load=1,"
            "device_removal@boot=4,memory_error@run=1");
  EXPECT_EQ(FaultPlan::parse(plan->to_string())->faults, plan->faults);
  EXPECT_TRUE(FaultPlan::parse("")->empty());
}

// A plan shared by several simulated devices (NPU_SIM_FAULTS) names the device an entry is for.
TEST(FaultPlan, AnEntryMayNameOneDevice) {
  auto plan = FaultPlan::parse("device_removal@run=5/sim:1, firmware_crash@run=2 , memory_error@dma=3/ sim:0");
  ASSERT_TRUE(plan) << plan.error().what();
  ASSERT_EQ(plan->faults.size(), 3u);
  EXPECT_EQ(plan->faults[0], (FaultSpec{FaultKind::kDeviceRemoval, FaultTrigger::kRun, 5, 1u}));
  EXPECT_FALSE(plan->faults[1].device.has_value());
  EXPECT_EQ(plan->to_string(), "device_removal@run=5/sim:1,firmware_crash@run=2,memory_error@dma=3/sim:0");
  EXPECT_EQ(FaultPlan::parse(plan->to_string())->faults, plan->faults);
  EXPECT_EQ(plan->for_device(0).to_string(), "firmware_crash@run=2,memory_error@dma=3/sim:0");
  EXPECT_EQ(plan->for_device(1).to_string(), "device_removal@run=5/sim:1,firmware_crash@run=2");
  EXPECT_EQ(plan->for_device(2).to_string(), "firmware_crash@run=2");
}

TEST(FaultPlan, BadEntriesAreExplained) {
  for (const char* bad : {"crash@run=1", "firmware_crash@walk=1", "firmware_crash@run=0", "firmware_crash@run=x",
                          "firmware_crash", "firmware_crash=1@run", "firmware_crash@run=1,,",
                          "firmware_crash@run=1/1", "firmware_crash@run=1/sim:", "firmware_crash@run=1/sim:x",
                          "firmware_crash@run=1/usb:0"}) {
    auto plan = FaultPlan::parse(bad);
    ASSERT_FALSE(plan) << bad;
    EXPECT_EQ(plan.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(plan.error().message().find("kind@trigger=N"), std::string::npos);
  }
}

TEST(FaultPlan, FromEnvironment) {
  ::setenv("NPU_SIM_FAULTS", "firmware_hang@mailbox=1", 1);
  auto plan = FaultPlan::from_environment();
  ::setenv("NPU_SIM_FAULTS", "nonsense", 1);
  auto bad = FaultPlan::from_environment();
  ::unsetenv("NPU_SIM_FAULTS");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->faults.size(), 1u);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("NPU_SIM_FAULTS"), std::string::npos);
  EXPECT_TRUE(FaultPlan::from_environment()->empty());
}

}  // namespace
}  // namespace npu::sim
