// DeviceInfo for a PCI function we recognise: name, driver, link (with Pi 5 advice), and for
// vendor parts why npustack cannot open them and which vendor firmware files are installed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "npu/hal/device_info.hpp"
#include "npu/hal/hw_ids.hpp"
#include "pcie/pci_scan.hpp"

namespace npu::hal::pcie {

// Where Hailo's packages install device firmware; NPU_HAILO_FIRMWARE_DIR overrides (tests).
[[nodiscard]] std::string hailo_firmware_dir();

// Files (relative to hailo_firmware_dir()) that belong to a part: everything in its subdirectory
// and top-level files whose name starts with it ("hailo8_fw.bin"). Sorted.
[[nodiscard]] std::vector<std::string> installed_vendor_firmware(const KnownPart& part);

// nullopt when the function is not in the id table.
[[nodiscard]] std::optional<DeviceInfo> describe_pci_function(const PciFunction& function);

}  // namespace npu::hal::pcie
