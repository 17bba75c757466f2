#include "device_groups.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "npu/common/log.hpp"
#include "wire/api_json.hpp"

namespace npu::npud {

namespace {

Expected<std::unique_ptr<VDevice>> open_vdevice(const std::vector<std::string>& ids) {
  VDeviceParams params;
  params.device_ids = ids;
  params.scheduling_algorithm = SchedulingAlgorithm::kRoundRobin;
  return VDevice::create(params);
}

bool overlaps(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const auto& id) { return std::find(b.begin(), b.end(), id) != b.end(); });
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

Expected<std::unique_ptr<DeviceGroups>> DeviceGroups::create(const std::vector<std::string>& devices) {
  NPU_TRY_ASSIGN(auto vdevice, open_vdevice(devices));
  std::vector<std::string> owned;
  for (std::size_t i = 0; i < vdevice->device_count(); ++i) owned.push_back(vdevice->identity(i).info.id);
  std::unique_ptr<DeviceGroups> groups(new DeviceGroups(owned));
  auto g = std::make_shared<DeviceGroup>();
  g->id = kDefaultGroup;
  g->device_ids = std::move(owned);
  g->vdevice = std::move(vdevice);
  groups->groups_.push_back(std::move(g));
  return groups;
}

Expected<std::vector<std::string>> DeviceGroups::resolve(const std::string& key,
                                                         const std::vector<std::string>& wanted) const {
  if (wanted.size() == 1 && wanted[0] == "all") return owned_;
  if (wanted.empty()) {
    // An existing group is joined on its devices; the default group, when idle, takes again
    // every device no busy group uses (it may have lost some to groups now gone).
    for (const auto& g : groups_) {
      if (g->id == key && (g->clients > 0 || key != kDefaultGroup)) return g->device_ids;
    }
    // A new group gets the first device no busy group uses (as HailoRT's service does); the
    // default group gets all of them (it had every device when npud started).
    std::vector<std::string> free;
    for (const auto& id : owned_) {
      const bool busy = std::any_of(groups_.begin(), groups_.end(), [&](const auto& g) {
        return g->clients > 0 && std::find(g->device_ids.begin(), g->device_ids.end(), id) != g->device_ids.end();
      });
      if (!busy) free.push_back(id);
    }
    if (!free.empty()) {
      if (key != kDefaultGroup) free.resize(1);
      return free;
    }
    return fail(ErrorCode::kBusy, fmt::format("every device npud serves ({}) is in use by another group: join one "
                                              "of them (group_id) or wait until its clients are gone",
                                              fmt::join(owned_, ", ")));
  }
  for (const auto& w : wanted) {
    if (std::find(owned_.begin(), owned_.end(), w) == owned_.end()) {
      return fail(ErrorCode::kNotFound, fmt::format("npud does not own device '{}' (it serves: {}): start npud "
                                                    "with --devices including it", w, fmt::join(owned_, ", ")));
    }
    if (std::count(wanted.begin(), wanted.end(), w) > 1) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("device '{}' is listed twice", w));
    }
  }
  return wanted;
}

Expected<void> DeviceGroups::free_devices(const std::vector<std::string>& ids, const std::string& for_group) {
  for (const auto& g : groups_) {
    if (g->id == for_group || !overlaps(g->device_ids, ids) || g->clients == 0) continue;
    return fail(ErrorCode::kBusy,
                fmt::format("device(s) {} are in use by npud group '{}' ({} client(s)): use group_id '{}' to share "
                            "them, ask for other devices, or wait until that group's clients are gone",
                            fmt::join(g->device_ids, ", "), g->id, g->clients, g->id));
  }
  // Idle groups on these devices (or an idle group of this name on others) are closed.
  std::erase_if(groups_, [&](const std::shared_ptr<DeviceGroup>& g) {
    if (g->clients != 0 || (g->id != for_group && !overlaps(g->device_ids, ids))) return false;
    log().info("npud: closing idle group '{}' ({}) for group '{}'", g->id, fmt::join(g->device_ids, ", "), for_group);
    return true;
  });
  return {};
}

Expected<std::shared_ptr<DeviceGroup>> DeviceGroups::join(const std::string& group_id,
                                                          const std::vector<std::string>& wanted,
                                                          std::uint64_t client) {
  if (group_id.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("group_id is empty: leave it at \"{}\" to share the device, or name a group", kDefaultGroup));
  }
  if (group_id.starts_with(std::string(kUniqueGroup) + "#")) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("group_id '{}' is reserved for npud's private groups: use \"{}\" for one", group_id, kUniqueGroup));
  }
  // "UNIQUE": a group nobody else can name.
  const std::string key = group_id == kUniqueGroup ? fmt::format("{}#{}", kUniqueGroup, client) : group_id;
  std::lock_guard lock(mutex_);
  NPU_TRY_ASSIGN(auto ids, resolve(key, wanted));
  for (auto& g : groups_) {
    if (g->id != key) continue;
    if (same_set(g->device_ids, ids)) {
      ++g->clients;
      return g;
    }
    if (g->clients > 0) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("npud group '{}' uses device(s) {}, not {}: ask for the same devices (or none) to join "
                              "it, or use another group_id", key, fmt::join(g->device_ids, ", "), fmt::join(ids, ", ")));
    }
    break;  // idle with other devices: reopened below
  }
  NPU_TRY(free_devices(ids, key));
  NPU_TRY_ASSIGN(auto vdevice, open_vdevice(ids));
  auto g = std::make_shared<DeviceGroup>();
  g->id = key;
  g->device_ids = ids;
  g->vdevice = std::move(vdevice);
  g->clients = 1;
  groups_.push_back(g);
  log().info("npud: opened group '{}' on {}", key, fmt::join(ids, ", "));
  return g;
}

void DeviceGroups::leave(std::shared_ptr<DeviceGroup> group) {
  std::lock_guard lock(mutex_);
  if (group->clients > 0) --group->clients;
  // A client's private group is not joined again: close it now.
  if (group->clients == 0 && group->id.starts_with(std::string(kUniqueGroup) + "#")) {
    std::erase(groups_, group);
  }
  group.reset();  // under the lock: a join that closes this idle group next really closes its devices
}

nlohmann::json DeviceGroups::status() {
  // Under the lock: a group being closed for another one must not be kept open by this reader.
  std::lock_guard lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : groups_) {
    nlohmann::json memory = nlohmann::json::array();
    for (std::size_t i = 0; i < g->vdevice->device_count(); ++i) {
      auto s = g->vdevice->stats(i);
      memory.push_back(s ? nlohmann::json(s->device_memory_free) : nlohmann::json(nullptr));
    }
    out.push_back({{"id", g->id}, {"devices", g->device_ids}, {"clients", g->clients},
                   {"device_memory_free", std::move(memory)}, {"llm_models", g->llms.status()},
                   {"scheduler", to_json(g->vdevice->scheduler_stats())}});
  }
  return out;
}

SchedulerStats DeviceGroups::scheduler_stats() {
  std::lock_guard lock(mutex_);
  SchedulerStats total;
  for (const auto& g : groups_) {
    auto s = g->vdevice->scheduler_stats();
    total.runs += s.runs;
    total.model_switches += s.model_switches;
    total.aborted += s.aborted;
  }
  return total;
}

void DeviceGroups::close_all() {
  std::lock_guard lock(mutex_);
  groups_.clear();
}

}  // namespace npu::npud
