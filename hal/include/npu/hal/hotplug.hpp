// Hotplug: add/remove of npustack's PCI and USB devices (and the vendor parts `npu scan` lists),
// from udev's "udev" netlink source (events after udev has applied its rules, so device nodes and
// permissions are ready — unlike the raw "kernel" source).
//
// A "remove" of a device that is open in this process marks it gone before the event is handed
// out: its hal::Device::present() turns false and the driver fails in-flight work with
// kDeviceLost, while other devices keep working.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "npu/common/error.hpp"

namespace npu::hal {

struct HotplugEvent {
  enum class Action { kAdded, kRemoved };
  Action action = Action::kAdded;
  std::string id;       // the DeviceInfo::id it has (or had): "pcie:0000:01:00.0", "usb:1-1.2"
  std::string syspath;  // /sys/devices/...
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
};

class HotplugMonitor {
 public:
  // kUnsupported when udev is not available (containers without /run/udev).
  [[nodiscard]] static Expected<std::unique_ptr<HotplugMonitor>> create();
  virtual ~HotplugMonitor() = default;
  HotplugMonitor() = default;
  HotplugMonitor(const HotplugMonitor&) = delete;
  HotplugMonitor& operator=(const HotplugMonitor&) = delete;

  // The next event for a device npustack knows, or nullopt when `timeout` passes first.
  [[nodiscard]] virtual Expected<std::optional<HotplugEvent>> next(std::chrono::milliseconds timeout) = 0;
  // Readable when an event may be waiting (for callers with their own poll loop).
  [[nodiscard]] virtual int fd() const noexcept = 0;
};

// A monitor on its own thread calling `on_event` for each event (removals already applied).
// Stops and joins on destruction.
class HotplugWatcher {
 public:
  using Callback = std::function<void(const HotplugEvent&)>;
  [[nodiscard]] static Expected<std::unique_ptr<HotplugWatcher>> start(Callback on_event);
  virtual ~HotplugWatcher() = default;
  HotplugWatcher() = default;
  HotplugWatcher(const HotplugWatcher&) = delete;
  HotplugWatcher& operator=(const HotplugWatcher&) = delete;
};

}  // namespace npu::hal
