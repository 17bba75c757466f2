#include "udev/device_presence.hpp"

#include <map>
#include <mutex>

namespace npu::hal::presence {
namespace {

struct Table {
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<std::atomic<bool>>> flags;
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

Flag claim(const std::string& id) {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  auto& slot = t.flags[id];
  if (!slot.expired()) return nullptr;
  auto flag = std::make_shared<std::atomic<bool>>(true);
  slot = flag;
  return flag;
}

bool mark_removed(const std::string& id) {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  auto it = t.flags.find(id);
  if (it == t.flags.end()) return false;
  auto flag = it->second.lock();
  if (!flag) return false;
  flag->store(false);
  return true;
}

}  // namespace npu::hal::presence
