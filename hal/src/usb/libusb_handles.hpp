// RAII for libusb objects (unref/close deleters) and the process-wide libusb context.
#pragma once

#include <libusb.h>
#include <memory>

#include "npu/common/error.hpp"

namespace npu::hal::usb {

struct LibusbDeleter {
  void operator()(libusb_context* p) const noexcept { libusb_exit(p); }
  void operator()(libusb_device* p) const noexcept { libusb_unref_device(p); }
  void operator()(libusb_device_handle* p) const noexcept { libusb_close(p); }
};

using ContextPtr = std::shared_ptr<libusb_context>;
using DeviceRef = std::unique_ptr<libusb_device, LibusbDeleter>;
using HandlePtr = std::unique_ptr<libusb_device_handle, LibusbDeleter>;

// The device list, each device referenced; freed (and unreferenced) on destruction.
class DeviceList {
 public:
  explicit DeviceList(libusb_context* ctx) { count_ = libusb_get_device_list(ctx, &list_); }
  ~DeviceList() {
    if (list_) libusb_free_device_list(list_, 1);
  }
  DeviceList(const DeviceList&) = delete;
  DeviceList& operator=(const DeviceList&) = delete;
  [[nodiscard]] ssize_t size() const noexcept { return count_ < 0 ? 0 : count_; }
  [[nodiscard]] libusb_device* operator[](ssize_t i) const noexcept { return list_[i]; }

 private:
  libusb_device** list_ = nullptr;
  ssize_t count_ = 0;
};

// One libusb context shared by everything USB in this process; kUnsupported when libusb cannot
// start (no usbfs, e.g. in a container).
[[nodiscard]] Expected<ContextPtr> libusb_context_shared();

// ErrorCode for a libusb error (NO_DEVICE -> kDeviceLost, ACCESS -> kPermission, ...).
[[nodiscard]] ErrorCode to_error_code(int libusb_error) noexcept;

}  // namespace npu::hal::usb
