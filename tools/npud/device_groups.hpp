// VDevice groups of npud, with the meaning HailoRT gives `group_id`: clients whose VDeviceParams
// name the same group share one VDevice in the daemon (its devices, its scheduler, the LLM weights
// loaded in it); different groups use disjoint devices. The group "UNIQUE" is private to each
// client. A group's devices stay open while it has no client (a device is booted once); they are
// closed only when another group needs them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"
#include "npu/runtime.hpp"
#include "shared_llms.hpp"

namespace npu::npud {

inline constexpr const char* kDefaultGroup = "SHARED";  // VDeviceParams::group_id's default
inline constexpr const char* kUniqueGroup = "UNIQUE";   // a group of its own for each client

struct DeviceGroup {
  std::string id;
  std::vector<std::string> device_ids;  // in VDevice order
  std::unique_ptr<VDevice> vdevice;
  SharedLlms llms;  // loaded LLM weights, shared by the group's clients
  std::size_t clients = 0;  // guarded by DeviceGroups' mutex

  ~DeviceGroup() { llms.clear(); }  // (sessions are gone by then; the registry only holds weak refs)
};

class DeviceGroups {
 public:
  // Opens the default group over `devices` ({"all"} = every usable device): the devices npud owns.
  [[nodiscard]] static Expected<std::unique_ptr<DeviceGroups>> create(const std::vector<std::string>& devices);

  // The group `group_id` for a client asking for `wanted` devices (empty: the group's devices, or
  // the first free one for a new group, every free one for the default group; {"all"}: every
  // device npud owns). Opens the group if needed.
  [[nodiscard]] Expected<std::shared_ptr<DeviceGroup>> join(const std::string& group_id,
                                                            const std::vector<std::string>& wanted,
                                                            std::uint64_t client);
  // The client is gone (its resources freed; pass the client's last reference): the group stays
  // open, idle, until its devices are needed.
  void leave(std::shared_ptr<DeviceGroup> group);

  [[nodiscard]] const std::vector<std::string>& owned() const noexcept { return owned_; }
  [[nodiscard]] nlohmann::json status();
  [[nodiscard]] SchedulerStats scheduler_stats();
  // Closes every group (daemon shutdown, after all clients are gone).
  void close_all();

 private:
  explicit DeviceGroups(std::vector<std::string> owned) : owned_(std::move(owned)) {}
  [[nodiscard]] Expected<std::vector<std::string>> resolve(const std::string& key,
                                                           const std::vector<std::string>& wanted) const;
  [[nodiscard]] Expected<void> free_devices(const std::vector<std::string>& ids, const std::string& for_group);

  std::vector<std::string> owned_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<DeviceGroup>> groups_;
};

}  // namespace npu::npud
