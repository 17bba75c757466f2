#include "usb/usb_backend.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <thread>

#include "npu/common/file.hpp"
#include "npu/common/log.hpp"
#include "npu/hal/hw_ids.hpp"
#include "udev/removal_watch.hpp"
#include "usb/firmware_download.hpp"
#include "usb/libusb_pipe.hpp"
#include "usb/usb_device.hpp"

namespace npu::hal {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string port_path(libusb_device* dev) {
  std::array<std::uint8_t, 8> ports{};
  const int n = libusb_get_port_numbers(dev, ports.data(), static_cast<int>(ports.size()));
  std::string path = fmt::format("{}", libusb_get_bus_number(dev));
  for (int i = 0; i < n; ++i) path += fmt::format("{}{}", i == 0 ? "-" : ".", ports[static_cast<std::size_t>(i)]);
  return path;
}

std::string speed_text(int speed) {
  switch (speed) {
    case LIBUSB_SPEED_LOW: return "USB 1.5 Mbit/s";
    case LIBUSB_SPEED_FULL: return "USB 12 Mbit/s";
    case LIBUSB_SPEED_HIGH: return "USB 2.0 480 Mbit/s";
    case LIBUSB_SPEED_SUPER: return "USB 3 5 Gbit/s";
    case LIBUSB_SPEED_SUPER_PLUS: return "USB 3 10 Gbit/s";
    default: return "USB (speed unknown)";
  }
}

// The kernel driver bound to interface 0 ("" when none: libusb then needs no detach).
std::string interface_driver(const std::string& path) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(fmt::format("/sys/bus/usb/devices/{}:1.0/driver", path), ec);
  return ec ? std::string() : target.filename().string();
}

struct Found {
  libusb_device* device;  // owned by the DeviceList
  DeviceInfo info;
  bool boot_mode;
};

std::vector<Found> list_native(const usb::DeviceList& list) {
  std::vector<Found> out;
  for (ssize_t i = 0; i < list.size(); ++i) {
    libusb_device_descriptor desc{};
    if (libusb_get_device_descriptor(list[i], &desc) != 0 || desc.idVendor != kNativeUsbVendor) continue;
    if (desc.idProduct != kNativeUsbProduct && desc.idProduct != kNativeUsbBootProduct) continue;
    Found f{list[i], {}, desc.idProduct == kNativeUsbBootProduct};
    const std::string path = port_path(list[i]);
    f.info.id = "usb:" + path;
    f.info.backend = "usb";
    f.info.name = "npustack ABI-native NPU (USB)";
    f.info.bus_address = path;
    f.info.vendor_id = desc.idVendor;
    f.info.device_id = desc.idProduct;
    f.info.kernel_driver = interface_driver(path);
    f.info.link = speed_text(libusb_get_device_speed(list[i]));
    f.info.abi_native = true;
    if (f.boot_mode) f.info.note = "in boot mode: opening it downloads the USB loader image first";
    if (libusb_get_device_speed(list[i]) < LIBUSB_SPEED_SUPER)
      f.info.note += std::string(f.info.note.empty() ? "" : "; ") + "runs below USB 3: use a USB 3 port and cable";
    out.push_back(std::move(f));
  }
  return out;
}

Expected<fs::path> boot_image_path() {
  std::vector<fs::path> candidates;
  if (const char* e = std::getenv("NPU_USB_BOOT_FIRMWARE"); e && *e) return fs::path(e);
  if (const char* e = std::getenv("NPU_FIRMWARE_DIR"); e && *e) candidates.emplace_back(fs::path(e) / "npustack-usb-boot.bin");
  candidates.emplace_back("/lib/firmware/npustack/npustack-usb-boot.bin");
  std::error_code ec;
  for (const auto& c : candidates)
    if (fs::exists(c, ec)) return c;
  return fail(ErrorCode::kNotFound,
              "the USB device is in boot mode and needs its loader image npustack-usb-boot.bin: none in "
              "$NPU_FIRMWARE_DIR or /lib/firmware/npustack; set NPU_USB_BOOT_FIRMWARE to its path");
}

class UsbBackend final : public Backend {
 public:
  std::string_view name() const noexcept override { return "usb"; }

  Expected<std::vector<DeviceInfo>> enumerate() override {
    std::vector<DeviceInfo> out;
    auto ctx = usb::libusb_context_shared();
    if (!ctx) {
      log().debug("USB devices not listed: {}", ctx.error().what());
      return out;
    }
    usb::DeviceList list(ctx->get());
    for (auto& f : list_native(list)) out.push_back(std::move(f.info));
    return out;
  }

  Expected<std::unique_ptr<Device>> open(const std::string& id) override {
    NPU_TRY_ASSIGN(auto ctx, usb::libusb_context_shared());
    NPU_TRY(load_if_boot_mode(ctx, id));
    usb::DeviceList list(ctx.get());
    for (auto& f : list_native(list)) {
      if (f.info.id != id) continue;
      if (f.boot_mode) return fail(ErrorCode::kDeviceError, fmt::format("{} is still in boot mode after the download", id));
      auto flag = presence::claim(id);
      if (!flag) return fail(ErrorCode::kBusy, fmt::format("{} is already open in this process", id));
      NPU_TRY_ASSIGN(auto pipe, usb::LibusbPipe::open(ctx, f.device, id));
      return usb::UsbDevice::create(std::move(f.info), std::move(pipe), std::move(flag), acquire_removal_watch());
    }
    return fail(ErrorCode::kNotFound, fmt::format("no npustack USB device at {}", id.substr(4)));
  }

 private:
  // Boot mode: download the loader image, then wait up to 5 s for the running product to appear.
  static Expected<void> load_if_boot_mode(const usb::ContextPtr& ctx, const std::string& id) {
    {
      usb::DeviceList list(ctx.get());
      auto found = list_native(list);
      auto it = std::ranges::find_if(found, [&](const Found& f) { return f.info.id == id; });
      if (it == found.end() || !it->boot_mode) return {};
      NPU_TRY_ASSIGN(const fs::path path, boot_image_path());
      NPU_TRY_ASSIGN(auto image, MappedFile::open(path));
      NPU_TRY_ASSIGN(auto pipe, usb::LibusbPipe::open(ctx, it->device, id));
      log().info("{}: downloading {} to the USB loader", id, path.string());
      NPU_TRY(usb::download_firmware(*pipe, image.bytes(), 2000ms));
    }
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      usb::DeviceList list(ctx.get());
      for (const auto& f : list_native(list))
        if (f.info.id == id && !f.boot_mode) return {};
    }
    return fail(ErrorCode::kTimeout, fmt::format("{} did not re-enumerate as a running device within 5 s of the "
                                                 "firmware download; replug it and retry", id));
  }
};

}  // namespace

std::shared_ptr<Backend> make_usb_backend() { return std::make_shared<UsbBackend>(); }

}  // namespace npu::hal
