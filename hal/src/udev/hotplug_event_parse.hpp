// Turning udev properties into a HotplugEvent for the devices npustack knows (pure: tested alone).
#pragma once

#include <optional>
#include <string>

#include "npu/hal/hotplug.hpp"

namespace npu::hal::udev {

struct UeventFields {
  std::string action;     // "add", "remove", "bind", ...
  std::string subsystem;  // "pci", "usb"
  std::string devtype;    // "usb_device" for whole USB devices
  std::string sysname;    // "0000:01:00.0", "1-1.2"
  std::string syspath;
  std::string pci_id;     // PCI_ID "1E60:45C4"
  std::string product;    // PRODUCT "1209/4e50/100" (USB, hex without padding)
};

// nullopt for other actions, other subsystems and devices that are not ours to list.
[[nodiscard]] std::optional<HotplugEvent> parse_uevent(const UeventFields& fields);

}  // namespace npu::hal::udev
