// Every hailo_status becomes an npu::Error with one of npustack's codes and a fix.
#include "hailort/hailo_status_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace npu::hailort_backend {
namespace {

TEST(HailoStatusError, EveryStatusSaysWhatFailedAndWhatToDo) {
  // Every status HailoRT 5.x defines, and values beyond them (a newer HailoRT).
  for (int s = 1; s < HAILO_STATUS_COUNT + 8; ++s) {
    const Error e = hailo_error(static_cast<hailo_status>(s), "loading m.hef");
    EXPECT_NE(e.code(), ErrorCode::kOk) << s;
    EXPECT_NE(e.code(), ErrorCode::kInternal) << s;
    EXPECT_TRUE(e.message().starts_with("loading m.hef: HailoRT returned ")) << e.message();
    EXPECT_NE(e.message().find("(" + std::to_string(s) + ")"), std::string::npos) << e.message();
    // The advice after the status: a sentence that tells the user what to do.
    const auto advice = e.message().substr(e.message().find("): ") + 3);
    EXPECT_GT(advice.size(), 40u) << s << ": " << e.message();
  }
}

TEST(HailoStatusError, CommonFailuresMapToTheirCodesAndFixes) {
  struct Case {
    hailo_status status;
    ErrorCode code;
    const char* hint;
  };
  const Case cases[] = {
      {HAILO_DEVICE_IN_USE, ErrorCode::kBusy, "lsof"},
      {HAILO_OUT_OF_PHYSICAL_DEVICES, ErrorCode::kBusy, "another process"},
      {HAILO_INVALID_DRIVER_VERSION, ErrorCode::kVersionMismatch, "same release"},
      {HAILO_UNSUPPORTED_FW_VERSION, ErrorCode::kVersionMismatch, "hailortcli fw-control identify"},
      {HAILO_DRIVER_INVALID_IOCTL, ErrorCode::kVersionMismatch, "modinfo hailo1x_pci"},
      {HAILO_DRIVER_NOT_INSTALLED, ErrorCode::kNotFound, "lsmod | grep hailo"},
      {HAILO_HEF_NOT_COMPATIBLE_WITH_DEVICE, ErrorCode::kUnsupported, "npu identify"},
      {HAILO_HEF_NOT_SUPPORTED, ErrorCode::kVersionMismatch, "Dataflow Compiler"},
      {HAILO_INVALID_HEF, ErrorCode::kBadFormat, "not a valid .hef"},
      {HAILO_TIMEOUT, ErrorCode::kTimeout, "timeout"},
      {HAILO_OUT_OF_HOST_CMA_MEMORY, ErrorCode::kOutOfMemory, "cma="},
      {HAILO_OUT_OF_FW_MEMORY, ErrorCode::kOutOfMemory, "smaller model"},
      {HAILO_RPC_FAILED, ErrorCode::kDeviceLost, "modprobe"},
      {HAILO_STREAM_ABORT, ErrorCode::kAborted, "cancelled"},
      {HAILO_QUEUE_IS_FULL, ErrorCode::kBusy, "wait_for_async_ready"},
      {HAILO_OPEN_FILE_FAILURE, ErrorCode::kIo, "permissions"},
      {HAILO_INVALID_ARGUMENT, ErrorCode::kInvalidArgument, "argument"},
      {HAILO_NOT_SUPPORTED, ErrorCode::kUnsupported, "does not support"},
  };
  for (const auto& c : cases) {
    const Error e = hailo_error(c.status, "x");
    EXPECT_EQ(e.code(), c.code) << e.message();
    EXPECT_NE(e.message().find(c.hint), std::string::npos) << e.message();
    EXPECT_NE(e.message().find(hailo_get_status_message(c.status)), std::string::npos) << e.message();
  }
}

TEST(HailoStatusError, SuccessIsABugNotAnError) {
  EXPECT_EQ(hailo_error(HAILO_SUCCESS, "x").code(), ErrorCode::kInternal);
  EXPECT_TRUE(hailo_check(HAILO_SUCCESS, "x").has_value());
  auto failed = hailo_check(HAILO_TIMEOUT, "waiting");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), ErrorCode::kTimeout);
}

}  // namespace
}  // namespace npu::hailort_backend
