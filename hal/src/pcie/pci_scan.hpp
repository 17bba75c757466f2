// PCI enumeration through libpci: every function on the bus with its ids and class.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::hal::pcie {

struct PciFunction {
  std::string bdf;  // "0000:01:00.0"
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::uint32_t class_code = 0;  // base class << 8 | subclass
};

// All PCI functions, sorted by address. libpci errors (unreadable sysfs) come back as kIo
// instead of libpci's default of exiting the process.
[[nodiscard]] Expected<std::vector<PciFunction>> scan_pci_bus();

}  // namespace npu::hal::pcie
