// What enumeration knows about a device before (and without) opening it.
#pragma once

#include <cstdint>
#include <string>

namespace npu::hal {

struct DeviceInfo {
  std::string id;            // stable id used to open it: "sim:0", "pcie:0000:01:00.0", "usb:1-1.2"
  std::string backend;       // "sim", "pcie", "usb"
  std::string name;          // human-readable part name, e.g. "npustack simulator (hailo10h)"
  std::string bus_address;   // PCI BDF / USB port path / "in-process"
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::string kernel_driver; // bound kernel driver ("vfio-pci", "hailo1x_pci", ...), empty if none
  std::string link;          // e.g. "PCIe Gen3 x4" (modeled or read from the device)
  bool abi_native = false;   // speaks npustack's device ABI (can be opened)
  std::string note;          // why it cannot be opened, or a warning with its fix
};

}  // namespace npu::hal
