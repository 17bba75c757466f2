// A umockdev testbed (fake /sys, fake udev events) for PCI/USB devices. Only works inside
// `umockdev-wrapper` (LD_PRELOAD); in_mock() says whether that is the case.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <umockdev.h>

namespace npu::test {

struct FakePci {
  std::string bdf{};
  std::uint16_t vendor = 0;
  std::uint16_t device = 0;
  std::string speed = "8.0 GT/s PCIe";  // current_link_speed
  int width = 4;
  std::string max_speed = "8.0 GT/s PCIe";
  int max_width = 4;
  std::string driver{};                  // "" = none bound
  std::vector<std::byte> bar0{};         // resource0 contents ("" = no file)
};

class FakeSysfs {
 public:
  FakeSysfs() : tb_(umockdev_testbed_new()) {}
  ~FakeSysfs() { g_object_unref(tb_); }
  FakeSysfs(const FakeSysfs&) = delete;
  FakeSysfs& operator=(const FakeSysfs&) = delete;

  static bool in_mock() { return umockdev_in_mock_environment(); }

  // Returns the device's syspath ("/sys/devices/<bdf>").
  std::string add_pci(const FakePci& d);
  std::string add_usb(const std::string& port, std::uint16_t vendor, std::uint16_t product);
  void set_model(const std::string& model);  // /sys/firmware/devicetree/base/model
  void uevent(const std::string& syspath, const char* action) { umockdev_testbed_uevent(tb_, syspath.c_str(), action); }
  void remove(const std::string& syspath) { umockdev_testbed_remove_device(tb_, syspath.c_str()); }

 private:
  UMockdevTestbed* tb_;
};

}  // namespace npu::test
