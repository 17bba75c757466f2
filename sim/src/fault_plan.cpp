#include "npu/sim/fault_plan.hpp"

#include <array>
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

namespace npu::sim {
namespace {

constexpr std::array kKinds = {FaultKind::kDmaError, FaultKind::kLostInterrupt, FaultKind::kFirmwareHang,
                               FaultKind::kFirmwareCrash, FaultKind::kDeviceRemoval, FaultKind::kMemoryError};
constexpr std::array kTriggers = {FaultTrigger::kMailbox, FaultTrigger::kRun, FaultTrigger::kLoad,
                                  FaultTrigger::kDma, FaultTrigger::kBoot};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const char* to_string(FaultKind kind) noexcept {
  switch (kind) {
    case FaultKind::kDmaError: return "dma_error";
    case FaultKind::kLostInterrupt: return "lost_interrupt";
    case FaultKind::kFirmwareHang: return "firmware_hang";
    case FaultKind::kFirmwareCrash: return "firmware_crash";
    case FaultKind::kDeviceRemoval: return "device_removal";
    case FaultKind::kMemoryError: return "memory_error";
  }
  return "?";
}

const char* to_string(FaultTrigger trigger) noexcept {
  switch (trigger) {
    case FaultTrigger::kMailbox: return "mailbox";
    case FaultTrigger::kRun: return "run";
    case FaultTrigger::kLoad: return "load";
    case FaultTrigger::kDma: return "dma";
    case FaultTrigger::kBoot: return "boot";
  }
  return "?";
}

Expected<FaultPlan> FaultPlan::parse(std::string_view text) {
  FaultPlan plan;
  while (!trim(text).empty()) {
    std::size_t comma = text.find(',');
    std::string_view entry = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto bad = [&](std::string_view why) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("fault plan entry '{}': {}; the syntax is kind@trigger=N with kind one of "
                              "dma_error, lost_interrupt, firmware_hang, firmware_crash, device_removal, "
                              "memory_error and trigger one of mailbox, run, load, dma, boot (N >= 1), "
                              "optionally /sim:I for simulated device I only, e.g. firmware_crash@run=2 or "
                              "device_removal@run=5/sim:1",
                              entry, why));
    };
    if (entry.empty()) return bad("empty entry");
    FaultSpec spec;
    if (std::size_t slash = entry.find('/'); slash != std::string_view::npos) {
      std::string_view dev = trim(entry.substr(slash + 1));
      entry = trim(entry.substr(0, slash));
      std::uint32_t index = 0;
      auto [dp, dec] = dev.starts_with("sim:") ? std::from_chars(dev.data() + 4, dev.data() + dev.size(), index)
                                               : std::from_chars_result{dev.data(), std::errc::invalid_argument};
      if (dec != std::errc() || dp != dev.data() + dev.size() || dev.size() <= 4) {
        return bad(fmt::format("'{}' is not a simulated device (sim:I)", dev));
      }
      spec.device = index;
    }
    std::size_t at = entry.find('@'), eq = entry.find('=');
    if (at == std::string_view::npos || eq == std::string_view::npos || eq < at) return bad("not kind@trigger=N");
    std::string_view kind = trim(entry.substr(0, at)), trig = trim(entry.substr(at + 1, eq - at - 1));
    std::string_view num = trim(entry.substr(eq + 1));
    bool kind_ok = false, trig_ok = false;
    for (FaultKind k : kKinds)
      if (kind == sim::to_string(k)) spec.kind = k, kind_ok = true;
    for (FaultTrigger t : kTriggers)
      if (trig == sim::to_string(t)) spec.trigger = t, trig_ok = true;
    if (!kind_ok) return bad(fmt::format("unknown fault kind '{}'", kind));
    if (!trig_ok) return bad(fmt::format("unknown trigger '{}'", trig));
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), spec.count);
    if (ec != std::errc() || p != num.data() + num.size() || num.empty() || spec.count == 0)
      return bad(fmt::format("count '{}' is not a number >= 1", num));
    plan.faults.push_back(spec);
  }
  return plan;
}

Expected<FaultPlan> FaultPlan::from_environment() {
  const char* env = std::getenv("NPU_SIM_FAULTS");
  if (!env) return FaultPlan{};
  auto plan = parse(env);
  if (!plan) return fail(plan.error().with_context("NPU_SIM_FAULTS"));
  return plan;
}

std::string FaultPlan::to_string() const {
  std::string out;
  for (const auto& f : faults) {
    out += fmt::format("{}{}@{}={}", out.empty() ? "" : ",", sim::to_string(f.kind), sim::to_string(f.trigger), f.count);
    if (f.device) out += fmt::format("/sim:{}", *f.device);
  }
  return out;
}

FaultPlan FaultPlan::for_device(std::uint32_t index) const {
  FaultPlan out;
  for (const auto& f : faults) {
    if (!f.device || *f.device == index) out.faults.push_back(f);
  }
  return out;
}

}  // namespace npu::sim
