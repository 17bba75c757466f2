// Which hardware devices are open in this process, and whether they are still there. An open
// pcie/usb device holds its flag; the hotplug monitor clears it on a "remove" event, after which
// the device's present() is false and the driver fails work with kDeviceLost.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace npu::hal::presence {

using Flag = std::shared_ptr<std::atomic<bool>>;

// A new flag (true) for `id`; nullptr if `id` is already open in this process. The claim ends
// when the last copy of the flag is destroyed.
[[nodiscard]] Flag claim(const std::string& id);

// Clears the flag of `id` if it is open; returns whether it was.
bool mark_removed(const std::string& id);

}  // namespace npu::hal::presence
