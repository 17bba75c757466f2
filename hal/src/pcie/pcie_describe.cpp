#include "pcie/pcie_describe.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pcie/sysfs_pci.hpp"

namespace npu::hal::pcie {
namespace fs = std::filesystem;

std::string hailo_firmware_dir() {
  const char* env = std::getenv("NPU_HAILO_FIRMWARE_DIR");
  return env && *env ? env : "/lib/firmware/hailo";
}

std::vector<std::string> installed_vendor_firmware(const KnownPart& part) {
  std::vector<std::string> files;
  if (part.firmware_subdir.empty()) return files;
  const fs::path root = hailo_firmware_dir();
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = fs::relative(it->path(), root, ec).string();
    if (rel.starts_with(part.firmware_subdir)) files.push_back(rel);
  }
  std::ranges::sort(files);
  return files;
}

namespace {

std::string vendor_note(const KnownPart& part, const std::string& bdf, const std::string& driver) {
  const auto files = installed_vendor_firmware(part);
  std::string firmware = files.empty()
                             ? fmt::format("no {} firmware in {}", part.name, hailo_firmware_dir())
                             : fmt::format("firmware installed: {}", fmt::join(files, ", "));
  return fmt::format("{} runs Hailo's own firmware protocol, which npustack's own driver does not speak: "
                     "npustack runs it through HailoRT, as device hailo:{} (a build without HailoRT: "
                     "install HailoRT 5.2 or newer and rebuild npustack with -DNPU_WITH_HAILORT=ON), or "
                     "use the simulator (driver: {}; {})",
                     part.name, bdf, driver.empty() ? "none bound" : driver, firmware);
}

std::string native_note(const std::string& bdf, const std::string& driver) {
  if (driver == "vfio-pci") return "";
  if (driver.empty())
    return fmt::format("no kernel driver bound; npustack maps BAR0 through sysfs (register access only). "
                       "For DMA bind vfio-pci: `sudo modprobe vfio-pci && echo vfio-pci | sudo tee "
                       "/sys/bus/pci/devices/{}/driver_override && echo {} | sudo tee /sys/bus/pci/drivers_probe`",
                       bdf, bdf);
  return fmt::format("bound to unknown driver '{}', not vfio-pci; rebind: `echo {} | sudo tee "
                     "/sys/bus/pci/devices/{}/driver/unbind && echo vfio-pci | sudo tee "
                     "/sys/bus/pci/devices/{}/driver_override && echo {} | sudo tee /sys/bus/pci/drivers_probe`",
                     driver, bdf, bdf, bdf, bdf);
}

}  // namespace

std::optional<DeviceInfo> describe_pci_function(const PciFunction& function) {
  const auto part = find_pci_part(function.vendor_id, function.device_id);
  if (!part) return std::nullopt;
  DeviceInfo info;
  info.id = "pcie:" + function.bdf;
  info.backend = "pcie";
  info.name = std::string(part->name);
  info.bus_address = function.bdf;
  info.vendor_id = function.vendor_id;
  info.device_id = function.device_id;
  info.kernel_driver = bound_driver(function.bdf);
  const PciLink link = read_link(function.bdf);
  info.link = describe_link(link);
  info.abi_native = part->abi_native;
  std::vector<std::string> notes;
  if (auto n = part->abi_native ? native_note(function.bdf, info.kernel_driver)
                                : vendor_note(*part, function.bdf, info.kernel_driver);
      !n.empty())
    notes.push_back(std::move(n));
  if (auto advice = link_advice(link, platform_model()); !advice.empty()) notes.push_back(std::move(advice));
  info.note = fmt::format("{}", fmt::join(notes, "; "));
  return info;
}

}  // namespace npu::hal::pcie
