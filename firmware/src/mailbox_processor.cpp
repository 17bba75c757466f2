#include "mailbox_processor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "npu/common/log.hpp"
#include "npu_abi/regs.hpp"
#include "npu_abi/version.hpp"

namespace npu::fw {
namespace {

template <class T>
void put(abi::MboxMessage& m, const T& payload) {
  static_assert(sizeof(T) <= abi::kMboxMaxPayload);
  std::memcpy(m.payload, &payload, sizeof(T));
  m.header.payload_size = sizeof(T);
}

template <class T>
T get(const abi::MboxMessage& m) {
  T value{};
  std::memcpy(&value, m.payload, sizeof(T));
  return value;
}

void copy_str(char* dst, std::size_t cap, const std::string& s) {
  std::memcpy(dst, s.data(), std::min(s.size(), cap - 1));
}

// The manifest feature an opcode needs; nullptr when always served.
const char* feature_of(abi::MboxOpcode op) {
  switch (op) {
    case abi::MboxOpcode::kIdentify: return "mailbox.identify";
    case abi::MboxOpcode::kLoadContext: return "mailbox.load_context";
    case abi::MboxOpcode::kRun: return "mailbox.run";
    case abi::MboxOpcode::kQueryStats: return "mailbox.query_stats";
    case abi::MboxOpcode::kProfile: return "mailbox.profile";
    case abi::MboxOpcode::kReset: case abi::MboxOpcode::kUnloadContext: return nullptr;
  }
  return nullptr;
}

bool known_opcode(std::uint16_t op) { return op >= 1 && op <= 7; }

// Bytes of request payload each opcode needs (more is accepted and ignored, for extension).
std::uint32_t request_size(abi::MboxOpcode op) {
  switch (op) {
    case abi::MboxOpcode::kLoadContext: return sizeof(abi::LoadContextRequest);
    case abi::MboxOpcode::kRun: return sizeof(abi::RunRequest);
    case abi::MboxOpcode::kUnloadContext: return sizeof(abi::UnloadContextRequest);
    case abi::MboxOpcode::kProfile: return sizeof(abi::ProfileRequest);
    default: return 0;
  }
}

}  // namespace

abi::MboxStatus MailboxProcessor::identify(const BootState& boot, abi::MboxMessage& resp) {
  const HardwareInfo& hw = platform_.hardware();
  abi::IdentifyResponse r{};
  r.device_magic = abi::kDeviceMagic;
  r.abi_version = boot.manifest.abi_version;
  r.fw_version = boot.manifest.fw_version;
  r.clock_khz = hw.clock_khz;
  r.ddr_bytes = hw.ddr_bytes;
  r.sram_bytes = hw.sram_bytes;
  r.num_clusters = hw.num_clusters;
  r.max_contexts = contexts_.max_contexts();
  r.serial = hw.serial;
  copy_str(r.board_name, sizeof(r.board_name), hw.board_name);
  copy_str(r.fw_build_id, sizeof(r.fw_build_id), boot.build_id);
  copy_str(r.profile, sizeof(r.profile), hw.profile);
  put(resp, r);
  return abi::MboxStatus::kOk;
}

abi::MboxStatus MailboxProcessor::query_stats(abi::MboxMessage& resp) {
  abi::StatsResponse r{};
  r.cycles = platform_.now();
  r.busy_cycles = platform_.busy_cycles();
  r.runs = stats_.runs;
  r.context_switches = stats_.context_switches;
  r.h2d_bytes = stats_.h2d_bytes;
  r.d2h_bytes = stats_.d2h_bytes;
  r.ddr_bytes = stats_.ddr_bytes;
  r.mailbox_requests = stats_.mailbox_requests;
  r.contexts_loaded = contexts_.loaded();
  r.energy_nj = static_cast<std::uint64_t>(std::llround(std::max(0.0, platform_.energy_j()) * 1e9));
  r.dynamic_energy_nj = static_cast<std::uint64_t>(std::llround(std::max(0.0, platform_.dynamic_energy_j()) * 1e9));
  put(resp, r);
  return abi::MboxStatus::kOk;
}

abi::MboxStatus MailboxProcessor::profile(const abi::ProfileRequest& req, abi::MboxMessage& resp) {
  if (req.reserved != 0) return abi::MboxStatus::kBadArgs;
  abi::ProfileResponse r{};
  switch (static_cast<abi::ProfileAction>(req.action)) {
    case abi::ProfileAction::kStart: profile_.start(); break;
    case abi::ProfileAction::kStop: profile_.stop(); break;
    case abi::ProfileAction::kRead: {
      const auto records = profile_.records();
      if (req.first_record > records.size()) return abi::MboxStatus::kBadArgs;
      const std::size_t room = req.host_bytes / sizeof(abi::ProfileRecord);
      const std::size_t n = std::min<std::size_t>(room, records.size() - req.first_record);
      if (n > 0 && !platform_.write_host(req.host_addr, std::as_bytes(records.subspan(req.first_record, n))))
        return abi::MboxStatus::kDmaError;
      r.records_copied = static_cast<std::uint32_t>(n);
      break;
    }
    default: return abi::MboxStatus::kBadArgs;
  }
  r.records_total = profile_.size();
  r.record_size = sizeof(abi::ProfileRecord);
  r.dropped = profile_.dropped();
  r.recording = profile_.recording() ? 1 : 0;
  r.capacity = ProfileBuffer::kCapacity;
  put(resp, r);
  return abi::MboxStatus::kOk;
}

abi::FaultCode MailboxProcessor::serve(const BootState& boot) {
  const abi::MboxMessage req = platform_.read_mailbox_request();
  ++stats_.mailbox_requests;
  const Cost control = platform_.charge_control(ControlTask::kMailbox);
  profile_.add(abi::ProfileKind::kMailbox, control, 0xffffffffu, req.header.opcode);
  abi::MboxMessage resp{};
  resp.header.opcode = req.header.opcode;
  resp.header.seq = req.header.seq;
  abi::FaultCode fault = abi::FaultCode::kNone;
  const auto op = static_cast<abi::MboxOpcode>(req.header.opcode);
  abi::MboxStatus status = abi::MboxStatus::kOk;
  if (!known_opcode(req.header.opcode) || (feature_of(op) && !boot.manifest.has_feature(feature_of(op)))) {
    status = abi::MboxStatus::kBadOpcode;
  } else if (req.header.status != 0 || req.header.reserved != 0 ||
             req.header.payload_size > abi::kMboxMaxPayload || req.header.payload_size < request_size(op)) {
    status = abi::MboxStatus::kBadArgs;
  } else {
    switch (op) {
      case abi::MboxOpcode::kIdentify: status = identify(boot, resp); break;
      case abi::MboxOpcode::kQueryStats: status = query_stats(resp); break;
      case abi::MboxOpcode::kProfile: status = profile(get<abi::ProfileRequest>(req), resp); break;
      case abi::MboxOpcode::kReset:
        contexts_.configure(boot.manifest.max_contexts);
        break;
      case abi::MboxOpcode::kUnloadContext: {
        auto r = get<abi::UnloadContextRequest>(req);
        status = r.reserved != 0 ? abi::MboxStatus::kBadArgs : contexts_.unload(r.context_id);
        break;
      }
      case abi::MboxOpcode::kLoadContext: {
        abi::LoadContextResponse r{};
        status = contexts_.load(get<abi::LoadContextRequest>(req), r, boot.manifest);
        if (status == abi::MboxStatus::kOk) put(resp, r);
        break;
      }
      case abi::MboxOpcode::kRun: {
        abi::RunResponse r{};
        RunOutcome out = contexts_.run(get<abi::RunRequest>(req), r);
        if (out.aborted) return abi::FaultCode::kNone;  // the core stopped: nobody answers
        status = out.status;
        fault = out.fault;
        if (status == abi::MboxStatus::kOk || status == abi::MboxStatus::kExecError) put(resp, r);
        break;
      }
    }
  }
  if (!platform_.core_running()) return abi::FaultCode::kNone;
  if (fault != abi::FaultCode::kNone) return fault;  // a fault answers with kIrqFault instead
  if (status != abi::MboxStatus::kOk) log().debug("fw: mailbox opcode {} -> status {}", req.header.opcode, static_cast<int>(status));
  resp.header.status = static_cast<std::uint16_t>(status);
  platform_.write_mailbox_response(resp);
  platform_.raise_irq(abi::reg::kIrqMailbox);
  return abi::FaultCode::kNone;
}

}  // namespace npu::fw
