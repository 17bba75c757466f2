// The pcie backend and the hotplug monitor against umockdev's fake sysfs and udev: enumeration of
// a Hailo-10H and an ABI-native device with their links, the Pi 5 Gen2 advice, an unknown driver
// binding, the refusal of vendor parts at open, BAR0 through sysfs resource0, and hotplug
// add/remove marking an open device gone. Run under umockdev-wrapper (see CMakeLists.txt).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "fake_sysfs.hpp"
#include "npu/hal/enumerate.hpp"
#include "npu/hal/hotplug.hpp"
#include "npu_abi/regs.hpp"
#include "npu_abi/version.hpp"

namespace npu::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::vector<std::byte> native_bar0() {
  std::vector<std::byte> bar(abi::reg::kBar0Size);
  const std::uint32_t magic = abi::kDeviceMagic;
  std::memcpy(bar.data() + abi::reg::kId, &magic, 4);
  return bar;
}

const hal::DeviceInfo* find(const std::vector<hal::DeviceInfo>& list, const std::string& id) {
  for (const auto& d : list)
    if (d.id == id) return &d;
  return nullptr;
}

class SysfsPcie : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(FakeSysfs::in_mock()) << "run this test under umockdev-wrapper";
    ::setenv("NPU_SIM_DEVICES", "0", 1);
    firmware_ = fs::temp_directory_path() / fmt::format("npu-hailo-fw-{}", ::getpid());
    fs::create_directories(firmware_ / "hailo10h");
    std::ofstream(firmware_ / "hailo10h" / "scu_fw.bin") << "x";
    std::ofstream(firmware_ / "hailo10h" / "image-fs") << "x";
    ::setenv("NPU_HAILO_FIRMWARE_DIR", firmware_.c_str(), 1);
  }
  void TearDown() override { fs::remove_all(firmware_); }

  FakeSysfs sys_;
  fs::path firmware_;
};

TEST_F(SysfsPcie, ListsHailo10hAndNativeDeviceWithLinks) {
  sys_.add_pci({.bdf = "0000:01:00.0", .vendor = 0x1e60, .device = 0x45c4, .driver = "hailo1x_pci"});
  sys_.add_pci({.bdf = "0000:02:00.0", .vendor = 0x1b36, .device = 0x4e50, .speed = "5.0 GT/s PCIe", .width = 1,
                .driver = "vfio-pci"});
  sys_.add_pci({.bdf = "0000:03:00.0", .vendor = 0x8086, .device = 0x1234});  // not ours: not listed
  auto devices = hal::enumerate_devices();
  ASSERT_TRUE(devices) << devices.error().what();
  ASSERT_EQ(devices->size(), 2u);
  const auto* hailo = find(*devices, "pcie:0000:01:00.0");
  ASSERT_TRUE(hailo);
  EXPECT_EQ(hailo->name, "Hailo-10H");
  EXPECT_EQ(hailo->kernel_driver, "hailo1x_pci");
  EXPECT_EQ(hailo->link, "PCIe Gen3 x4");
  EXPECT_FALSE(hailo->abi_native);
  EXPECT_NE(hailo->note.find("does not speak"), std::string::npos);
  EXPECT_NE(hailo->note.find("through HailoRT, as device hailo:0000:01:00.0"), std::string::npos) << hailo->note;
  EXPECT_NE(hailo->note.find("-DNPU_WITH_HAILORT=ON"), std::string::npos) << hailo->note;
  EXPECT_NE(hailo->note.find("hailo10h/image-fs, hailo10h/scu_fw.bin"), std::string::npos) << hailo->note;
  const auto* native = find(*devices, "pcie:0000:02:00.0");
  ASSERT_TRUE(native);
  EXPECT_TRUE(native->abi_native);
  EXPECT_EQ(native->link, "PCIe Gen2 x1");
  EXPECT_EQ(native->vendor_id, 0x1b36);
  EXPECT_NE(native->note.find("below the device's Gen3 x4"), std::string::npos) << native->note;
}

TEST_F(SysfsPcie, RaspberryPi5AtGen2GetsTheFix) {
  sys_.set_model("Raspberry Pi 5 Model B Rev 1.0");
  sys_.add_pci({.bdf = "0001:01:00.0", .vendor = 0x1e60, .device = 0x45c4, .speed = "5.0 GT/s PCIe", .width = 1});
  sys_.add_pci({.bdf = "0001:02:00.0", .vendor = 0x1e60, .device = 0x2864, .speed = "8.0 GT/s PCIe", .width = 1});
  auto devices = hal::enumerate_devices();
  ASSERT_TRUE(devices);
  const auto* slow = find(*devices, "pcie:0001:01:00.0");
  ASSERT_TRUE(slow);
  EXPECT_NE(slow->note.find("dtparam=pciex1_gen=3"), std::string::npos) << slow->note;
  EXPECT_NE(slow->note.find("driver: none bound; firmware installed: hailo10h/"), std::string::npos) << slow->note;
  const auto* fast = find(*devices, "pcie:0001:02:00.0");
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->note.find("dtparam"), std::string::npos) << fast->note;
  EXPECT_NE(fast->note.find("no Hailo-8/8L/8R firmware"), std::string::npos) << fast->note;
}

TEST_F(SysfsPcie, UnknownDriverBindingIsExplained) {
  sys_.add_pci({.bdf = "0000:05:00.0", .vendor = 0x1b36, .device = 0x4e50, .driver = "mystery_drv"});
  sys_.add_pci({.bdf = "0000:06:00.0", .vendor = 0x1b36, .device = 0x4e50});
  auto devices = hal::enumerate_devices();
  ASSERT_TRUE(devices);
  const auto* odd = find(*devices, "pcie:0000:05:00.0");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->kernel_driver, "mystery_drv");
  EXPECT_NE(odd->note.find("unknown driver 'mystery_drv'"), std::string::npos);
  EXPECT_NE(odd->note.find("driver_override"), std::string::npos);
  const auto* unbound = find(*devices, "pcie:0000:06:00.0");
  ASSERT_TRUE(unbound);
  EXPECT_NE(unbound->note.find("no kernel driver bound"), std::string::npos);
}

TEST_F(SysfsPcie, VendorPartsAreRefusedAtOpenPlainly) {
  sys_.add_pci({.bdf = "0000:01:00.0", .vendor = 0x1e60, .device = 0x45c4, .driver = "hailo1x_pci"});
  auto d = hal::open_device("pcie:0000:01:00.0");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(d.error().message().find("Hailo-10H runs Hailo's own firmware protocol"), std::string::npos);
  auto missing = hal::open_device("pcie:0000:09:00.0");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("pcie:0000:01:00.0"), std::string::npos);  // lists what exists
}

TEST_F(SysfsPcie, NativeDeviceOpensThroughResource0) {
  sys_.add_pci({.bdf = "0000:02:00.0", .vendor = 0x1b36, .device = 0x4e50, .bar0 = native_bar0()});
  auto d = hal::open_device("pcie:0000:02:00.0");
  ASSERT_TRUE(d) << d.error().what();
  hal::Device& dev = **d;
  EXPECT_EQ(dev.read32(abi::reg::kId), abi::kDeviceMagic);
  dev.write32(abi::reg::kBootSize, 777);
  EXPECT_EQ(dev.read32(abi::reg::kBootSize), 777u);
  EXPECT_EQ(dev.read32(abi::reg::kBar0Size), 0xffffffffu);  // past the region
  auto dma = dev.alloc_dma(4096);
  ASSERT_FALSE(dma);
  EXPECT_EQ(dma.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(dma.error().message().find("vfio-pci"), std::string::npos);
  EXPECT_EQ(dev.wait_interrupt(5ms).error().code(), ErrorCode::kTimeout);
  dev.write32(abi::reg::kIrqMask, abi::reg::kIrqMailbox);  // a file-backed BAR: the test is the device
  dev.write32(abi::reg::kIrqStatus, abi::reg::kIrqMailbox);
  EXPECT_TRUE(dev.wait_interrupt(100ms));  // polled from IRQ_STATUS & IRQ_MASK
  EXPECT_EQ(hal::open_device("pcie:0000:02:00.0").error().code(), ErrorCode::kBusy);
}

TEST_F(SysfsPcie, WrongMagicIsRefused) {
  sys_.add_pci({.bdf = "0000:02:00.0", .vendor = 0x1b36, .device = 0x4e50,
                .bar0 = std::vector<std::byte>(abi::reg::kBar0Size)});
  auto d = hal::open_device("pcie:0000:02:00.0");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(d.error().message().find("device magic"), std::string::npos);
  sys_.add_pci({.bdf = "0000:03:00.0", .vendor = 0x1b36, .device = 0x4e50, .bar0 = std::vector<std::byte>(64)});
  EXPECT_NE(hal::open_device("pcie:0000:03:00.0").error().message().find("smaller than"), std::string::npos);
}

TEST_F(SysfsPcie, HotplugReportsAddAndRemoveAndMarksOpenDeviceGone) {
  auto monitor = hal::HotplugMonitor::create();
  ASSERT_TRUE(monitor) << monitor.error().what();
  const std::string other = sys_.add_pci({.bdf = "0000:07:00.0", .vendor = 0x8086, .device = 0x1234});
  (void)other;  // umockdev announces each added device with an "add" event; this one is not ours
  const std::string path = sys_.add_pci({.bdf = "0000:02:00.0", .vendor = 0x1b36, .device = 0x4e50, .bar0 = native_bar0()});
  auto added = (*monitor)->next(2000ms);
  ASSERT_TRUE(added && *added);
  EXPECT_EQ((*added)->action, hal::HotplugEvent::Action::kAdded);
  EXPECT_EQ((*added)->id, "pcie:0000:02:00.0");
  EXPECT_EQ((*added)->device_id, 0x4e50);

  auto d = hal::open_device("pcie:0000:02:00.0");
  ASSERT_TRUE(d) << d.error().what();
  ASSERT_TRUE((*d)->present());
  sys_.uevent(path, "remove");
  auto removed = (*monitor)->next(2000ms);
  ASSERT_TRUE(removed && *removed);
  EXPECT_EQ((*removed)->action, hal::HotplugEvent::Action::kRemoved);
  EXPECT_FALSE((*d)->present());  // marked gone by the event, before sysfs changed
  EXPECT_EQ((*d)->read32(abi::reg::kId), 0xffffffffu);
  auto w = (*d)->wait_interrupt(1000ms);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kDeviceLost);
  EXPECT_NE(w.error().message().find("pcie:0000:02:00.0"), std::string::npos);
  auto idle = (*monitor)->next(20ms);
  ASSERT_TRUE(idle);
  EXPECT_FALSE(*idle);  // nothing else pending
}

TEST_F(SysfsPcie, RemovalWithoutMonitorIsSeenThroughSysfs) {
  const std::string path = sys_.add_pci({.bdf = "0000:02:00.0", .vendor = 0x1b36, .device = 0x4e50, .bar0 = native_bar0()});
  auto d = hal::open_device("pcie:0000:02:00.0");
  ASSERT_TRUE(d);
  sys_.remove(path);
  EXPECT_FALSE((*d)->present());
  EXPECT_EQ((*d)->reset().error().code(), ErrorCode::kDeviceLost);
}

TEST_F(SysfsPcie, UsbHotplugEvents) {
  auto monitor = hal::HotplugMonitor::create();
  ASSERT_TRUE(monitor);
  sys_.add_usb("1-1.2", 0x1209, 0x4e51);  // announced with an "add" event
  auto e = (*monitor)->next(2000ms);
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->id, "usb:1-1.2");
  EXPECT_EQ((*e)->device_id, 0x4e51);
}

}  // namespace
}  // namespace npu::test
