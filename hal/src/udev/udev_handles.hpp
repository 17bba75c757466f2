// RAII for libudev objects (unref deleters).
#pragma once

#include <libudev.h>
#include <memory>

namespace npu::hal::udev {

struct UdevUnref {
  void operator()(::udev* p) const noexcept { udev_unref(p); }
  void operator()(udev_monitor* p) const noexcept { udev_monitor_unref(p); }
  void operator()(udev_device* p) const noexcept { udev_device_unref(p); }
};

using Context = std::unique_ptr<::udev, UdevUnref>;
using Monitor = std::unique_ptr<udev_monitor, UdevUnref>;
using DevicePtr = std::unique_ptr<udev_device, UdevUnref>;

}  // namespace npu::hal::udev
