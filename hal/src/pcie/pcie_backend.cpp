#include "pcie/pcie_backend.hpp"

#include <filesystem>
#include <fmt/format.h>

#include "npu/common/log.hpp"
#include "npu_abi/regs.hpp"
#include "npu_abi/version.hpp"
#include "pcie/pci_scan.hpp"
#include "pcie/pcie_describe.hpp"
#include "pcie/pcie_device.hpp"
#include "pcie/sysfs_pci.hpp"
#include "udev/removal_watch.hpp"

namespace npu::hal {
namespace {

using pcie::PcieDevice;

Expected<std::vector<pcie::PciFunction>> scan_if_present() {
  std::error_code ec;
  if (!std::filesystem::exists(pcie::kSysPciDevices, ec)) return std::vector<pcie::PciFunction>{};
  return pcie::scan_pci_bus();
}

// BAR0 through VFIO, or through sysfs when VFIO is not set up (its reason is kept for errors).
Expected<void> map_registers(const std::string& bdf, PcieDevice::Parts& parts) {
  auto vfio = pcie::VfioDevice::open(bdf);
  if (vfio) {
    NPU_TRY_ASSIGN(parts.bar0, (*vfio)->map_bar0(abi::reg::kBar0Size));
    NPU_TRY((*vfio)->enable_msi());
    parts.vfio = std::move(*vfio);
    return {};
  }
  const ErrorCode code = vfio.error().code();
  if (code == ErrorCode::kPermission || code == ErrorCode::kBusy) return fail(vfio.error());
  auto bar = pcie::MmioRegion::map_sysfs_resource0(bdf, abi::reg::kBar0Size);
  if (!bar)
    return fail(bar.error().code(), fmt::format("VFIO: {}; sysfs fallback: {}", vfio.error().message(),
                                                bar.error().message()));
  log().info("{}: using sysfs resource0 (registers only) because {}", bdf, vfio.error().message());
  parts.bar0 = std::move(*bar);
  return {};
}

class PcieBackend final : public Backend {
 public:
  std::string_view name() const noexcept override { return "pcie"; }

  Expected<std::vector<DeviceInfo>> enumerate() override {
    std::vector<DeviceInfo> out;
    auto functions = scan_if_present();
    if (!functions) {
      log().warn("PCI devices not listed: {}", functions.error().what());
      return out;
    }
    for (const auto& f : *functions)
      if (auto info = pcie::describe_pci_function(f)) out.push_back(std::move(*info));
    return out;
  }

  Expected<std::unique_ptr<Device>> open(const std::string& id) override {
    const std::string bdf = id.substr(5);  // after "pcie:"
    NPU_TRY_ASSIGN(auto functions, scan_if_present());
    const pcie::PciFunction* function = nullptr;
    for (const auto& f : functions)
      if (f.bdf == bdf) function = &f;
    if (!function) return fail(ErrorCode::kNotFound, fmt::format("no PCI device at {}", bdf));
    auto info = pcie::describe_pci_function(*function);
    if (!info)
      return fail(ErrorCode::kNotFound, fmt::format("PCI device {} ({:04x}:{:04x}) is not an NPU npustack knows", bdf,
                                                    function->vendor_id, function->device_id));
    if (!info->abi_native)
      return fail(ErrorCode::kUnsupported, fmt::format("cannot open {}: {}", id, info->note));
    PcieDevice::Parts parts;
    parts.present = presence::claim(id);
    if (!parts.present) return fail(ErrorCode::kBusy, fmt::format("{} is already open in this process", id));
    NPU_TRY(map_registers(bdf, parts));
    const std::uint32_t magic = parts.bar0->read32(abi::reg::kId);
    if (magic != abi::kDeviceMagic)
      return fail(ErrorCode::kBadFormat, fmt::format("{} BAR0 ID register reads {:#010x}, not the npustack device "
                                                     "magic {:#010x}: wrong device or not powered up",
                                                     id, magic, abi::kDeviceMagic));
    parts.watch = acquire_removal_watch();
    parts.info = std::move(*info);
    return std::make_unique<PcieDevice>(std::move(parts));
  }
};

}  // namespace

std::shared_ptr<Backend> make_pcie_backend() { return std::make_shared<PcieBackend>(); }

}  // namespace npu::hal
