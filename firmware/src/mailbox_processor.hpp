// The mailbox command processor: reads the request window, validates the header and payload,
// dispatches IDENTIFY / LOAD_CONTEXT / RUN / RESET / QUERY_STATS / UNLOAD_CONTEXT, writes the
// response (same opcode and seq, a status) and raises kIrqMailbox. Internal to the firmware.
#pragma once

#include <string>

#include "context_table.hpp"
#include "npu/firmware/fw_manifest.hpp"

namespace npu::fw {

// What boot learned from the image.
struct BootState {
  FirmwareManifest manifest;
  std::string build_id;
};

class MailboxProcessor {
 public:
  MailboxProcessor(Platform& platform, ContextTable& contexts, FirmwareStats& stats, ProfileBuffer& profile)
      : platform_(platform), contexts_(contexts), stats_(stats), profile_(profile) {}

  // Serves one request. Returns a fault the firmware must raise (kNone normally).
  [[nodiscard]] abi::FaultCode serve(const BootState& boot);

 private:
  abi::MboxStatus identify(const BootState& boot, abi::MboxMessage& resp);
  abi::MboxStatus query_stats(abi::MboxMessage& resp);
  abi::MboxStatus profile(const abi::ProfileRequest& req, abi::MboxMessage& resp);

  Platform& platform_;
  ContextTable& contexts_;
  FirmwareStats& stats_;
  ProfileBuffer& profile_;
};

}  // namespace npu::fw
