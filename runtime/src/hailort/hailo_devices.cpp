#include "hailort/hailo_devices.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <fmt/format.h>

#include <hailo/hailort.hpp>

#include "hailort/hailo_status_error.hpp"

namespace npu::hailort_backend {
namespace {

std::string architecture_name(hailo_device_architecture_t arch) {
  switch (arch) {
    case HAILO_ARCH_HAILO8_A0: return "HAILO8_A0";
    case HAILO_ARCH_HAILO8: return "HAILO8";
    case HAILO_ARCH_HAILO8L: return "HAILO8L";
    case HAILO_ARCH_HAILO15H: return "HAILO15H";
    case HAILO_ARCH_HAILO15L: return "HAILO15L";
    case HAILO_ARCH_HAILO15M: return "HAILO15M";
    case HAILO_ARCH_HAILO10H: return "HAILO10H";
    case HAILO_ARCH_HAILO12L: return "HAILO12L";
    default: return fmt::format("unknown architecture {}", static_cast<int>(arch));
  }
}

std::string part_name(hailo_device_architecture_t arch) {
  switch (arch) {
    case HAILO_ARCH_HAILO8_A0:
    case HAILO_ARCH_HAILO8: return "Hailo-8";
    case HAILO_ARCH_HAILO8L: return "Hailo-8L";
    case HAILO_ARCH_HAILO10H: return "Hailo-10H";
    case HAILO_ARCH_HAILO15H: return "Hailo-15H";
    case HAILO_ARCH_HAILO15L: return "Hailo-15L";
    case HAILO_ARCH_HAILO15M: return "Hailo-15M";
    case HAILO_ARCH_HAILO12L: return "Hailo-12L";
    default: return "Hailo device";
  }
}

// PCI device ids of Hailo's parts (vendor 0x1e60).
std::uint16_t pci_device_id(const std::string& architecture) {
  if (architecture.starts_with("HAILO8")) return 0x2864;
  if (architecture == "HAILO10H") return 0x45c4;
  if (architecture == "HAILO15L") return 0x43a2;
  return 0;
}

// The kernel driver bound to a PCI device (HailoRT's id of a PCIe device is its address).
std::string bound_driver(const std::string& bdf) {
  std::error_code ec;
  const auto link = std::filesystem::read_symlink(std::filesystem::path("/sys/bus/pci/devices") / bdf / "driver", ec);
  return ec ? std::string() : link.filename().string();
}

// "5.2.0" -> {5, 2}; {0, 0} when it does not parse.
std::pair<unsigned, unsigned> major_minor(std::string_view v) {
  unsigned major = 0, minor = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), major);
  if (r.ec == std::errc() && r.ptr < v.data() + v.size() && *r.ptr == '.') {
    std::from_chars(r.ptr + 1, v.data() + v.size(), minor);
  }
  return {major, minor};
}

// A fixed-size, length-prefixed identity field; the length is clamped to the array.
template <std::size_t N>
std::string field(const char (&text)[N], std::size_t length) {
  return std::string(text, std::min(length, N));
}

}  // namespace

std::string hailort_version() {
  hailo_version_t v{};
  if (hailo_get_library_version(&v) != HAILO_SUCCESS) return "unknown";
  return fmt::format("{}.{}.{}", v.major, v.minor, v.revision);
}

std::string hailo_device_id(std::string_view id) {
  if (id.starts_with(kIdPrefix)) id.remove_prefix(kIdPrefix.size());
  return std::string(id);
}

Expected<HailoDevice> identify_device(std::string_view id) {
  HailoDevice d;
  d.hailo_id = hailo_device_id(id);
  d.id = fmt::format("{}{}", kIdPrefix, d.hailo_id);
  d.name = "Hailo device";
  d.hailort_version = hailort_version();
  auto device = hailort::Device::create(d.hailo_id);
  if (!device) return hailo_fail(device.status(), fmt::format("opening Hailo device {}", d.id));
  auto identity = device.value()->identify();
  if (!identity) return hailo_fail(identity.status(), fmt::format("identifying Hailo device {}", d.id));
  const hailo_device_identity_t& i = identity.value();
  d.architecture = architecture_name(i.device_architecture);
  d.name = part_name(i.device_architecture);
  d.board = field(i.board_name, i.board_name_length);
  d.serial = field(i.serial_number, i.serial_number_length);
  d.part_number = field(i.part_number, i.part_number_length);
  d.product = field(i.product_name, i.product_name_length);
  d.firmware_version = fmt::format("{}.{}.{}", i.fw_version.major, i.fw_version.minor, i.fw_version.revision);
  d.release_firmware = i.is_release;
  d.usable = true;
  return d;
}

Expected<std::vector<HailoDevice>> scan_devices() {
  auto ids = hailort::Device::scan();
  std::vector<HailoDevice> out;
  if (!ids) {
    // No driver: nothing HailoRT can see (the hal's PCI scan still lists the hardware).
    if (ids.status() == HAILO_DRIVER_NOT_INSTALLED || ids.status() == HAILO_PCIE_NOT_SUPPORTED_ON_PLATFORM) {
      return out;
    }
    return hailo_fail(ids.status(), "listing Hailo devices");
  }
  for (const std::string& hailo_id : ids.value()) {
    auto d = identify_device(hailo_id);
    if (d) {
      out.push_back(std::move(*d));
      continue;
    }
    HailoDevice seen;
    seen.hailo_id = hailo_id;
    seen.id = fmt::format("{}{}", kIdPrefix, hailo_id);
    seen.name = "Hailo device";
    seen.hailort_version = hailort_version();
    seen.note = d.error().message();
    out.push_back(std::move(seen));
  }
  return out;
}

DeviceInfo info_of(const HailoDevice& d) {
  DeviceInfo info;
  info.id = d.id;
  info.backend = "hailo";
  info.name = d.name;
  info.bus_address = d.hailo_id;
  info.vendor_id = 0x1e60;
  info.device_id = pci_device_id(d.architecture);
  info.kernel_driver = bound_driver(d.hailo_id);
  info.usable = d.usable;
  info.firmware_version = d.firmware_version;
  info.runtime_version = "HailoRT " + d.hailort_version;
  info.note = d.note;
  if (d.usable && major_minor(d.firmware_version) != major_minor(d.hailort_version)) {
    info.note = fmt::format("firmware {} is not of HailoRT {}'s release: HailoRT, the hailo1x_pci driver and the "
                            "firmware must be one release (install matching packages and reboot)",
                            d.firmware_version, d.hailort_version);
  }
  return info;
}

DeviceIdentity identity_of(const HailoDevice& d) {
  DeviceIdentity id;
  id.info = info_of(d);
  const auto [major, minor] = major_minor(d.firmware_version);
  unsigned revision = 0;
  if (auto dot = d.firmware_version.rfind('.'); dot != std::string::npos) {
    std::from_chars(d.firmware_version.data() + dot + 1, d.firmware_version.data() + d.firmware_version.size(), revision);
  }
  id.fw_version = (major & 0xff) << 16 | (minor & 0xff) << 8 | (revision & 0xff);
  id.fw_build_id = d.release_firmware ? "release" : "debug";
  id.runtime_version = id.info.runtime_version;
  id.board_name = d.board.empty() ? d.name : d.board;
  id.serial_number = d.serial;
  id.part_number = d.part_number;
  id.product_name = d.product;
  id.architecture = d.architecture;
  return id;
}

}  // namespace npu::hailort_backend
