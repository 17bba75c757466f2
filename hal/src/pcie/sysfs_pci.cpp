#include "pcie/sysfs_pci.hpp"

#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace npu::hal::pcie {
namespace fs = std::filesystem;

fs::path device_dir(const std::string& bdf) { return fs::path(kSysPciDevices) / bdf; }

std::optional<std::string> read_attribute(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  // Device-tree strings end in NUL; sysfs attributes in a newline.
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

namespace {

std::string link_basename(const fs::path& link) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(link, ec);
  return ec ? std::string() : target.filename().string();
}

int read_int(const fs::path& file) {
  auto text = read_attribute(file);
  if (!text) return 0;
  int v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  return ec == std::errc() ? v : 0;
}

}  // namespace

std::string bound_driver(const std::string& bdf) { return link_basename(device_dir(bdf) / "driver"); }

std::optional<int> iommu_group(const std::string& bdf) {
  const std::string name = link_basename(device_dir(bdf) / "iommu_group");
  int v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (name.empty() || ec != std::errc() || p != name.data() + name.size()) return std::nullopt;
  return v;
}

int gen_from_speed(const std::string& speed) {
  double gts = 0;
  auto [p, ec] = std::from_chars(speed.data(), speed.data() + speed.size(), gts);
  if (ec != std::errc()) return 0;
  if (gts >= 31.0) return 5;
  if (gts >= 15.0) return 4;
  if (gts >= 7.0) return 3;
  if (gts >= 4.0) return 2;
  if (gts >= 2.0) return 1;
  return 0;
}

PciLink read_link(const std::string& bdf) {
  const fs::path dir = device_dir(bdf);
  PciLink link;
  link.gen = gen_from_speed(read_attribute(dir / "current_link_speed").value_or(""));
  link.width = read_int(dir / "current_link_width");
  link.max_gen = gen_from_speed(read_attribute(dir / "max_link_speed").value_or(""));
  link.max_width = read_int(dir / "max_link_width");
  return link;
}

std::string describe_link(const PciLink& link) {
  if (link.gen == 0 || link.width == 0) return "PCIe (link unknown)";
  return fmt::format("PCIe Gen{} x{}", link.gen, link.width);
}

std::string platform_model() {
  return read_attribute("/sys/firmware/devicetree/base/model").value_or("");
}

std::string link_advice(const PciLink& link, const std::string& model) {
  if (link.gen == 0) return "";
  if (model.find("Raspberry Pi 5") != std::string::npos && link.gen < 3) {
    return fmt::format(
        "Raspberry Pi 5 link runs at PCIe Gen{} x{}; for Gen3 add `dtparam=pciex1_gen=3` to "
        "/boot/firmware/config.txt (or raspi-config > Advanced Options > PCIe Speed) and reboot",
        link.gen, link.width);
  }
  if (link.max_gen > link.gen || link.max_width > link.width) {
    return fmt::format("link trained at Gen{} x{}, below the device's Gen{} x{}: check the slot, "
                       "riser or cable, and the platform's PCIe speed setting",
                       link.gen, link.width, std::max(link.gen, link.max_gen), std::max(link.width, link.max_width));
  }
  return "";
}

}  // namespace npu::hal::pcie
