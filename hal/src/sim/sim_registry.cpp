#include "sim/sim_registry.hpp"

#include <map>
#include <mutex>

namespace npu::hal::sim_registry {
namespace {

std::mutex& mutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, std::weak_ptr<sim::SimDevice>>& open_devices() {
  static std::map<std::string, std::weak_ptr<sim::SimDevice>> m;
  return m;
}

}  // namespace

bool claim(const std::string& id, std::weak_ptr<sim::SimDevice> device) {
  std::lock_guard lock(mutex());
  return open_devices().emplace(id, std::move(device)).second;
}

bool is_open(const std::string& id) {
  std::lock_guard lock(mutex());
  return open_devices().contains(id);
}

void release(const std::string& id) {
  std::lock_guard lock(mutex());
  open_devices().erase(id);
}

std::shared_ptr<sim::SimDevice> find(const std::string& id) {
  std::lock_guard lock(mutex());
  auto it = open_devices().find(id);
  return it == open_devices().end() ? nullptr : it->second.lock();
}

}  // namespace npu::hal::sim_registry
