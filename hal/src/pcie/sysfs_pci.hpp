// Reading what Linux knows about a PCI function from sysfs (/sys/bus/pci/devices/<bdf>): the bound
// kernel driver, link speed and width, IOMMU group, and the platform's model (for Pi 5 advice).
// Plain file reads, so umockdev's fake sysfs works for tests.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace npu::hal::pcie {

inline constexpr const char* kSysPciDevices = "/sys/bus/pci/devices";

[[nodiscard]] std::filesystem::path device_dir(const std::string& bdf);

// The trimmed contents of a small sysfs attribute; nullopt if absent or unreadable.
[[nodiscard]] std::optional<std::string> read_attribute(const std::filesystem::path& file);

// Name of the bound kernel driver (basename of the `driver` link), "" when none is bound.
[[nodiscard]] std::string bound_driver(const std::string& bdf);

// The device's IOMMU group number (basename of `iommu_group`), nullopt without an IOMMU.
[[nodiscard]] std::optional<int> iommu_group(const std::string& bdf);

struct PciLink {
  int gen = 0;        // 1..5 from the GT/s rate, 0 unknown
  int width = 0;      // lanes, 0 unknown
  int max_gen = 0;
  int max_width = 0;
};
[[nodiscard]] PciLink read_link(const std::string& bdf);
// "PCIe Gen3 x1" or "PCIe (link unknown)".
[[nodiscard]] std::string describe_link(const PciLink& link);
// Generation from a sysfs speed string such as "8.0 GT/s PCIe"; 0 if unrecognised.
[[nodiscard]] int gen_from_speed(const std::string& speed);

// Board model from the device tree ("Raspberry Pi 5 Model B Rev 1.0"), "" elsewhere.
[[nodiscard]] std::string platform_model();

// A warning with its fix when the link runs below what it could (Pi 5: x1 Gen2 by default), "".
[[nodiscard]] std::string link_advice(const PciLink& link, const std::string& model);

}  // namespace npu::hal::pcie
