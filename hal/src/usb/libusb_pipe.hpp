// BulkPipe over a libusb device handle: claims interface 0 on creation (detaching a kernel driver
// if one is bound) and releases it and closes the handle on destruction.
#pragma once

#include <memory>
#include <string>

#include "usb/bulk_pipe.hpp"
#include "usb/libusb_handles.hpp"

namespace npu::hal::usb {

class LibusbPipe final : public BulkPipe {
 public:
  // kPermission (with the udev-rule fix), kBusy (claimed by someone else), kDeviceLost.
  [[nodiscard]] static Expected<std::unique_ptr<LibusbPipe>> open(ContextPtr context, libusb_device* device,
                                                                 const std::string& id);
  ~LibusbPipe() override;

  Expected<void> send(std::span<const std::byte> message, std::chrono::milliseconds timeout) override;
  Expected<std::size_t> receive(std::span<std::byte> buffer, std::chrono::milliseconds timeout) override;

 private:
  LibusbPipe(ContextPtr context, HandlePtr handle, std::string id)
      : context_(std::move(context)), handle_(std::move(handle)), id_(std::move(id)) {}
  [[nodiscard]] Error transfer_error(int rc, const char* what) const;

  ContextPtr context_;  // outlives the handle
  HandlePtr handle_;
  std::string id_;
};

}  // namespace npu::hal::usb
