#include "fake_sysfs.hpp"

#include <fmt/format.h>
#include <fstream>

namespace npu::test {

std::string FakeSysfs::add_pci(const FakePci& d) {
  const std::string vendor = fmt::format("0x{:04x}", d.vendor), device = fmt::format("0x{:04x}", d.device);
  const std::string width = std::to_string(d.width), max_width = std::to_string(d.max_width);
  const std::string pci_id = fmt::format("{:04X}:{:04X}", d.vendor, d.device);
  gchar* path = umockdev_testbed_add_device(
      tb_, "pci", d.bdf.c_str(), nullptr,
      "vendor", vendor.c_str(), "device", device.c_str(), "class", "0x120000", "irq", "0",
      "resource", "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
      "current_link_speed", d.speed.c_str(), "current_link_width", width.c_str(),
      "max_link_speed", d.max_speed.c_str(), "max_link_width", max_width.c_str(), nullptr,
      "PCI_ID", pci_id.c_str(), "PCI_SLOT_NAME", d.bdf.c_str(), nullptr);
  std::string syspath = path;
  g_free(path);
  if (!d.driver.empty()) {
    const std::string target = "../../bus/pci/drivers/" + d.driver;
    umockdev_testbed_set_attribute_link(tb_, syspath.c_str(), "driver", target.c_str());
  }
  if (!d.bar0.empty()) {
    std::vector<std::byte> bar = d.bar0;  // umockdev takes a non-const pointer
    umockdev_testbed_set_attribute_binary(tb_, syspath.c_str(), "resource0", reinterpret_cast<guint8*>(bar.data()),
                                          bar.size());
  }
  return syspath;
}

std::string FakeSysfs::add_usb(const std::string& port, std::uint16_t vendor, std::uint16_t product) {
  const std::string v = fmt::format("{:04x}", vendor), p = fmt::format("{:04x}", product);
  const std::string prop = fmt::format("{:x}/{:x}/100", vendor, product);
  gchar* path = umockdev_testbed_add_device(tb_, "usb", port.c_str(), nullptr, "idVendor", v.c_str(), "idProduct",
                                            p.c_str(), nullptr, "DEVTYPE", "usb_device", "PRODUCT", prop.c_str(),
                                            nullptr);
  std::string syspath = path;
  g_free(path);
  return syspath;
}

void FakeSysfs::set_model(const std::string& model) {
  const std::filesystem::path dir = std::filesystem::path(umockdev_testbed_get_sys_dir(tb_)) / "firmware/devicetree/base";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "model") << model << '\0';
}

}  // namespace npu::test
