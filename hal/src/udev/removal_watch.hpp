// One process-wide hotplug watcher, running while any hardware device is open, so removals mark
// open devices gone even when nobody reads hotplug events. Without udev it is simply absent
// (devices then notice removal through sysfs and all-ones register reads).
#pragma once

#include <memory>

#include "npu/hal/hotplug.hpp"

namespace npu::hal {

[[nodiscard]] std::shared_ptr<HotplugWatcher> acquire_removal_watch();

}  // namespace npu::hal
