#include "udev/hotplug_event_parse.hpp"

#include <charconv>

#include "npu/hal/hw_ids.hpp"

namespace npu::hal::udev {
namespace {

bool parse_hex(std::string_view s, std::uint16_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<HotplugEvent> parse_uevent(const UeventFields& f) {
  HotplugEvent event;
  if (f.action == "add") event.action = HotplugEvent::Action::kAdded;
  else if (f.action == "remove") event.action = HotplugEvent::Action::kRemoved;
  else return std::nullopt;
  event.syspath = f.syspath;
  if (f.subsystem == "pci") {
    const auto ids = parse_pci_id(f.pci_id);
    if (!ids || !find_pci_part(ids->first, ids->second)) return std::nullopt;
    event.id = "pcie:" + f.sysname;
    event.vendor_id = ids->first;
    event.device_id = ids->second;
    return event;
  }
  if (f.subsystem == "usb" && f.devtype == "usb_device") {
    const std::string_view product(f.product);
    const auto a = product.find('/');
    const auto b = product.find('/', a == std::string_view::npos ? a : a + 1);
    if (a == std::string_view::npos || b == std::string_view::npos) return std::nullopt;
    if (!parse_hex(product.substr(0, a), event.vendor_id) || !parse_hex(product.substr(a + 1, b - a - 1), event.device_id))
      return std::nullopt;
    if (event.vendor_id != kNativeUsbVendor ||
        (event.device_id != kNativeUsbProduct && event.device_id != kNativeUsbBootProduct))
      return std::nullopt;
    event.id = "usb:" + f.sysname;
    return event;
  }
  return std::nullopt;
}

}  // namespace npu::hal::udev
