// Pure pieces of the hardware path: id table, IOVA allocator, uevent parsing, link advice,
// USB message decoding.
#include <gtest/gtest.h>

#include <cstdlib>

#include "npu/hal/hw_ids.hpp"
#include "pcie/iova_allocator.hpp"
#include "pcie/sysfs_pci.hpp"
#include "udev/hotplug_event_parse.hpp"
#include "usb/usb_message.hpp"

namespace npu::hal {
namespace {

TEST(HwIds, HailoPartsAreListedButNotNative) {
  auto h10 = find_pci_part(0x1e60, 0x45c4);
  ASSERT_TRUE(h10);
  EXPECT_EQ(h10->name, "Hailo-10H");
  EXPECT_FALSE(h10->abi_native);
  EXPECT_EQ(h10->firmware_subdir, "hailo10h");
  EXPECT_EQ(find_pci_part(0x1e60, 0x2864)->name, "Hailo-8/8L/8R");
  EXPECT_EQ(find_pci_part(0x1e60, 0x43a2)->name, "Hailo-15L");
  EXPECT_TRUE(find_pci_part(kNativePciVendor, kNativePciDevice)->abi_native);
  EXPECT_FALSE(find_pci_part(0x8086, 0x1234));
}

TEST(HwIds, ExtraNativeIdFromEnvironment) {
  ::setenv("NPU_PCI_ID", "10ee:9038", 1);
  auto part = find_pci_part(0x10ee, 0x9038);
  ::setenv("NPU_PCI_ID", "garbage", 1);
  auto none = find_pci_part(0x10ee, 0x9038);  // ignored with a warning, no crash
  ::unsetenv("NPU_PCI_ID");
  ASSERT_TRUE(part);
  EXPECT_TRUE(part->abi_native);
  EXPECT_FALSE(none);
}

TEST(HwIds, ParsePciId) {
  EXPECT_EQ(parse_pci_id("1E60:45C4").value(), (std::pair<std::uint16_t, std::uint16_t>{0x1e60, 0x45c4}));
  EXPECT_EQ(parse_pci_id("0x1b36:0x4e50").value().second, 0x4e50);
  for (const char* bad : {"", "1e60", "1e60:", ":45c4", "12345:1", "zz:11", "1e60:45c4:1"}) {
    auto r = parse_pci_id(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("vendor:device"), std::string::npos);
  }
}

TEST(IovaAllocator, AlignedReusedAndMerged) {
  IovaAllocator a(1ull << 32, 16 * 4096, 4096);
  auto x = a.allocate(1), y = a.allocate(4097), z = a.allocate(4096);
  ASSERT_TRUE(x && y && z);
  EXPECT_EQ(*x, 1ull << 32);
  EXPECT_EQ(*y, *x + 4096);
  EXPECT_EQ(*z, *y + 2 * 4096);
  EXPECT_FALSE(a.allocate(14 * 4096));  // only 12 pages left
  a.release(*x, 1);
  a.release(*y, 4097);                  // merges with x's range: 3 pages at the base
  auto w = a.allocate(3 * 4096);
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, *x);
  a.release(*z, 4096);
  a.release(*w, 3 * 4096);
  EXPECT_TRUE(a.allocate(16 * 4096));   // everything merged back into one range
}

TEST(UeventParse, KnownPciAndUsbDevicesOnly) {
  udev::UeventFields pci{"add", "pci", "", "0000:01:00.0", "/sys/devices/pci0000:00/0000:01:00.0", "1E60:45C4", ""};
  auto e = udev::parse_uevent(pci);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, HotplugEvent::Action::kAdded);
  EXPECT_EQ(e->id, "pcie:0000:01:00.0");
  EXPECT_EQ(e->device_id, 0x45c4);
  pci.action = "remove";
  EXPECT_EQ(udev::parse_uevent(pci)->action, HotplugEvent::Action::kRemoved);
  pci.action = "bind";
  EXPECT_FALSE(udev::parse_uevent(pci));
  pci.action = "add";
  pci.pci_id = "8086:1234";
  EXPECT_FALSE(udev::parse_uevent(pci));
  pci.pci_id = "";
  EXPECT_FALSE(udev::parse_uevent(pci));

  udev::UeventFields usb{"remove", "usb", "usb_device", "1-1.2", "/sys/devices/x/1-1.2", "", "1209/4e51/100"};
  auto u = udev::parse_uevent(usb);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->id, "usb:1-1.2");
  EXPECT_EQ(u->device_id, kNativeUsbBootProduct);
  usb.devtype = "usb_interface";
  EXPECT_FALSE(udev::parse_uevent(usb));
  usb.devtype = "usb_device";
  for (const char* bad : {"1209/4e52/100", "46d/c52b/1", "1209", "1209/", "x/y/z"}) {
    usb.product = bad;
    EXPECT_FALSE(udev::parse_uevent(usb)) << bad;
  }
}

TEST(LinkAdvice, Pi5Gen2GetsTheDtparamFix) {
  pcie::PciLink gen2x1{2, 1, 3, 4};
  const std::string advice = pcie::link_advice(gen2x1, "Raspberry Pi 5 Model B Rev 1.0");
  EXPECT_NE(advice.find("dtparam=pciex1_gen=3"), std::string::npos);
  EXPECT_NE(advice.find("Gen2 x1"), std::string::npos);
  EXPECT_EQ(pcie::link_advice({3, 1, 3, 4}, "Raspberry Pi 5 Model B Rev 1.0").find("dtparam"), std::string::npos);
  EXPECT_NE(pcie::link_advice(gen2x1, "").find("below the device's Gen3 x4"), std::string::npos);
  EXPECT_EQ(pcie::link_advice({3, 4, 3, 4}, ""), "");
  EXPECT_EQ(pcie::link_advice({}, "Raspberry Pi 5"), "");  // unknown link: no guess
  EXPECT_EQ(pcie::gen_from_speed("8.0 GT/s PCIe"), 3);
  EXPECT_EQ(pcie::gen_from_speed("2.5 GT/s"), 1);
  EXPECT_EQ(pcie::gen_from_speed("Unknown"), 0);
  EXPECT_EQ(pcie::describe_link({3, 1, 0, 0}), "PCIe Gen3 x1");
}

TEST(UsbMessage, RoundTripAndRefusals) {
  std::vector<std::byte> payload{std::byte{1}, std::byte{2}, std::byte{3}};
  auto bytes = usb::encode(usb::UsbHeader{.type = 6, .tag = 9, .addr = 0x1'0000'0000}, payload);
  auto m = usb::decode(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.tag, 9u);
  EXPECT_EQ(m->header.addr, 0x1'0000'0000u);
  EXPECT_EQ(m->payload.size(), 3u);
  EXPECT_EQ(usb::decode(std::span(bytes).first(31)).error().code(), ErrorCode::kBadFormat);
  bytes.push_back(std::byte{0});
  EXPECT_NE(usb::decode(bytes).error().message().find("declares 3"), std::string::npos);
  bytes.pop_back();
  bytes[0] = std::byte{0};
  EXPECT_NE(usb::decode(bytes).error().message().find("magic"), std::string::npos);
}

}  // namespace
}  // namespace npu::hal
