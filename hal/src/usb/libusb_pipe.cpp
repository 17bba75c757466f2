#include "usb/libusb_pipe.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <mutex>

#include "npu/hal/usb_protocol.hpp"

namespace npu::hal::usb {

Expected<ContextPtr> libusb_context_shared() {
  static std::mutex mutex;
  static std::weak_ptr<libusb_context> current;
  std::lock_guard lock(mutex);
  if (auto ctx = current.lock()) return ctx;
  libusb_context* raw = nullptr;
  if (const int rc = libusb_init(&raw); rc != 0)
    return fail(ErrorCode::kUnsupported, fmt::format("libusb cannot start: {} (no usbfs?)", libusb_strerror(rc)));
  ContextPtr ctx(raw, LibusbDeleter{});
  current = ctx;
  return ctx;
}

ErrorCode to_error_code(int e) noexcept {
  switch (e) {
    case LIBUSB_ERROR_TIMEOUT: return ErrorCode::kTimeout;
    case LIBUSB_ERROR_NO_DEVICE: return ErrorCode::kDeviceLost;
    case LIBUSB_ERROR_ACCESS: return ErrorCode::kPermission;
    case LIBUSB_ERROR_BUSY: return ErrorCode::kBusy;
    case LIBUSB_ERROR_NOT_FOUND: return ErrorCode::kNotFound;
    case LIBUSB_ERROR_NO_MEM: return ErrorCode::kOutOfMemory;
    case LIBUSB_ERROR_NOT_SUPPORTED: return ErrorCode::kUnsupported;
    default: return ErrorCode::kIo;
  }
}

Expected<std::unique_ptr<LibusbPipe>> LibusbPipe::open(ContextPtr context, libusb_device* device, const std::string& id) {
  libusb_device_handle* raw = nullptr;
  if (const int rc = libusb_open(device, &raw); rc != 0) {
    if (rc == LIBUSB_ERROR_ACCESS)
      return fail(ErrorCode::kPermission,
                  fmt::format("no permission to open {}: install 70-npustack.rules and join the `npu` group "
                              "(`sudo usermod -aG npu $USER`, log in again), then replug the device", id));
    return fail(to_error_code(rc), fmt::format("cannot open {}: {}", id, libusb_strerror(rc)));
  }
  HandlePtr handle(raw);
  (void)libusb_set_auto_detach_kernel_driver(handle.get(), 1);
  if (const int rc = libusb_claim_interface(handle.get(), kUsbInterface); rc != 0)
    return fail(to_error_code(rc), fmt::format("cannot claim interface {} of {}: {}{}", kUsbInterface, id,
                                               libusb_strerror(rc),
                                               rc == LIBUSB_ERROR_BUSY ? " (another process, e.g. npud, has it)" : ""));
  return std::unique_ptr<LibusbPipe>(new LibusbPipe(std::move(context), std::move(handle), id));
}

LibusbPipe::~LibusbPipe() { (void)libusb_release_interface(handle_.get(), kUsbInterface); }

Error LibusbPipe::transfer_error(int rc, const char* what) const {
  return Error(to_error_code(rc), fmt::format("{} {}: {}", what, id_, libusb_strerror(rc)));
}

Expected<void> LibusbPipe::send(std::span<const std::byte> message, std::chrono::milliseconds timeout) {
  int done = 0;
  // libusb takes a non-const buffer for both directions; OUT transfers do not write to it.
  auto* data = const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(message.data()));
  const int rc = libusb_bulk_transfer(handle_.get(), kUsbEndpointOut, data, static_cast<int>(message.size()), &done,
                                      static_cast<unsigned>(std::max<std::int64_t>(1, timeout.count())));
  if (rc != 0) return fail(transfer_error(rc, "bulk OUT to"));
  if (static_cast<std::size_t>(done) != message.size())
    return fail(ErrorCode::kIo, fmt::format("bulk OUT to {} sent {} of {} bytes", id_, done, message.size()));
  return {};
}

Expected<std::size_t> LibusbPipe::receive(std::span<std::byte> buffer, std::chrono::milliseconds timeout) {
  int done = 0;
  const int rc = libusb_bulk_transfer(handle_.get(), kUsbEndpointIn, reinterpret_cast<unsigned char*>(buffer.data()),
                                      static_cast<int>(buffer.size()), &done, static_cast<unsigned>(std::max<std::int64_t>(1, timeout.count())));
  if (rc != 0) return fail(transfer_error(rc, "bulk IN from"));
  return static_cast<std::size_t>(done);
}

}  // namespace npu::hal::usb
