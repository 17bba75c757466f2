#include "udev/removal_watch.hpp"

#include <mutex>

#include "npu/common/log.hpp"

namespace npu::hal {

std::shared_ptr<HotplugWatcher> acquire_removal_watch() {
  static std::mutex mutex;
  static std::weak_ptr<HotplugWatcher> current;
  std::lock_guard lock(mutex);
  if (auto w = current.lock()) return w;
  auto started = HotplugWatcher::start(nullptr);
  if (!started) {
    log().debug("no hotplug watch: {}", started.error().what());
    return nullptr;
  }
  std::shared_ptr<HotplugWatcher> w = std::move(*started);
  current = w;
  return w;
}

}  // namespace npu::hal
