#include "backend/device_selection.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace npu::backend {
namespace {

std::string family_of(std::string_view id) { return std::string(id.substr(0, id.find(':'))); }

Expected<Selection> select_explicit(const std::vector<std::string>& ids,
                                    const std::vector<std::shared_ptr<Backend>>& backends) {
  std::shared_ptr<Backend> chosen;
  for (const auto& id : ids) {
    if (std::count(ids.begin(), ids.end(), id) > 1) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("device '{}' is listed twice", id));
    }
    auto it = std::find_if(backends.begin(), backends.end(),
                           [&](const auto& b) { return !b->is_service() && b->owns_device(id); });
    if (it == backends.end()) {
      std::vector<std::string> known;
      for (const auto& b : backends) {
        if (!b->is_service()) known.push_back(std::string(b->name()));
      }
      return fail(ErrorCode::kNotFound,
                  fmt::format("no backend of this build opens device '{}' (device family '{}'; backends: {}): "
                              "run `npu scan` for the ids that exist", id, family_of(id), fmt::join(known, ", ")));
    }
    if (chosen && chosen != *it) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("devices '{}' and '{}' belong to different backends ({}, {}): a VDevice runs on "
                              "one backend; create one VDevice per backend", ids.front(), id, chosen->name(),
                              (*it)->name()));
    }
    chosen = *it;
  }
  return Selection{chosen, ids, "as requested"};
}

struct Found {
  const BackendDevices* owner;
  const DeviceInfo* device;
};

// The ids of `owner`'s devices in `found`: all, or the first.
std::vector<std::string> ids_of(const std::vector<Found>& found, const BackendDevices* owner, bool all) {
  std::vector<std::string> ids;
  for (const auto& f : found) {
    if (f.owner == owner) ids.push_back(f.device->id);
  }
  if (!all) ids.resize(1);
  return ids;
}

}  // namespace

Expected<Selection> select_devices(const VDeviceParams& params, const std::vector<std::shared_ptr<Backend>>& backends,
                                   const std::function<Expected<std::vector<BackendDevices>>()>& scan,
                                   bool simulator_requested) {
  if (params.multi_process) {
    for (const auto& b : backends) {
      if (b->is_service()) return Selection{b, {}, "through the multi-process service"};
    }
    return fail(ErrorCode::kUnsupported, "this build has no multi-process service backend (npud)");
  }
  const bool all = params.device_ids.size() == 1 && params.device_ids[0] == "all";
  if (!params.device_ids.empty() && !all) return select_explicit(params.device_ids, backends);

  NPU_TRY_ASSIGN(const auto seen, scan());
  std::vector<Found> real, simulated, blocked;
  std::size_t total = 0;
  for (const auto& b : seen) {
    for (const auto& d : b.devices) {
      ++total;
      if (d.usable) (d.simulated() ? simulated : real).push_back({&b, &d});
    }
  }
  if (!simulator_requested) {
    if (!real.empty()) {
      const auto& first = real.front();
      return Selection{first.owner->backend, ids_of(real, first.owner, all),
                       fmt::format("default: the first usable accelerator ({}, {})", first.device->name,
                                   first.owner->backend->name())};
    }
    // A real device nobody can use is an error, unless another backend runs the same hardware.
    for (const auto& b : seen) {
      for (const auto& d : b.devices) {
        if (d.usable || d.simulated()) continue;
        blocked.push_back({&b, &d});
      }
    }
    if (!blocked.empty()) {
      const DeviceInfo& d = *blocked.front().device;
      return fail(ErrorCode::kUnsupported,
                  fmt::format("{} ({}) is present but cannot be used{}{}; fix that, or ask for the simulator "
                              "explicitly: device id \"sim:0\" (`--device sim:0`) or NPU_SIM_DEVICES=1",
                              d.id, d.name, d.note.empty() ? "" : ": ", d.note));
    }
  }
  if (simulated.empty()) {
    return fail(ErrorCode::kNotFound,
                fmt::format("no usable NPU found ({} devices seen): run `npu scan` to see what the host sees and "
                            "why a device cannot be opened", total));
  }
  const auto& first = simulated.front();
  return Selection{first.owner->backend, ids_of(simulated, first.owner, all),
                   simulator_requested ? "default: the simulator (NPU_SIM_DEVICES is set)"
                                       : "default: no accelerator found, using the simulator"};
}

}  // namespace npu::backend
