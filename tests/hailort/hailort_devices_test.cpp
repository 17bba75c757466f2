// Hailo devices through the HailoRT backend (over the test double): scan, identify, and the
// default device choice with and without a Hailo present.
#include <gtest/gtest.h>

#include "backend/device_selection.hpp"
#include "hailort_fixture.hpp"
#include "npu/runtime.hpp"

namespace npu::test {
namespace {

using HailortDevices = HailortTest;

std::optional<DeviceInfo> find(const std::vector<DeviceInfo>& all, const std::string& id) {
  for (const auto& d : all) {
    if (d.id == id) return d;
  }
  return std::nullopt;
}

TEST_F(HailortDevices, ScanShowsTheDeviceFirmwareAndHailoRTVersion) {
  add_hailo10h();
  auto all = VDevice::scan();
  ASSERT_TRUE(all) << all.error().what();
  auto d = find(*all, "hailo:0001:01:00.0");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->backend, "hailo");
  EXPECT_EQ(d->name, "Hailo-10H");
  EXPECT_EQ(d->bus_address, "0001:01:00.0");
  EXPECT_EQ(d->vendor_id, 0x1e60);
  EXPECT_EQ(d->device_id, 0x45c4);
  EXPECT_TRUE(d->usable);
  EXPECT_EQ(d->firmware_version, "5.2.0");
  EXPECT_EQ(d->runtime_version, "HailoRT 5.2.0");
  EXPECT_EQ(d->note, "");
}

TEST_F(HailortDevices, FirmwareOfAnotherReleaseIsNamed) {
  add_hailo10h().firmware = {4, 23, 0};
  auto all = VDevice::scan();
  ASSERT_TRUE(all);
  auto d = find(*all, "hailo:0001:01:00.0");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->usable);
  EXPECT_NE(d->note.find("firmware 4.23.0"), std::string::npos) << d->note;
  EXPECT_NE(d->note.find("HailoRT 5.2.0"), std::string::npos) << d->note;
}

TEST_F(HailortDevices, BusyDeviceIsListedNotUsableWithTheFix) {
  add_hailo10h().open_status = HAILO_DEVICE_IN_USE;
  auto all = VDevice::scan();
  ASSERT_TRUE(all);
  auto d = find(*all, "hailo:0001:01:00.0");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->usable);
  EXPECT_NE(d->note.find("HAILO_DEVICE_IN_USE"), std::string::npos) << d->note;
  EXPECT_NE(d->note.find("lsof"), std::string::npos) << d->note;
}

TEST_F(HailortDevices, NoDriverMeansNoHailoDevices) {
  add_hailo10h();
  world().scan_status = HAILO_DRIVER_NOT_INSTALLED;
  auto all = VDevice::scan();
  ASSERT_TRUE(all) << all.error().what();
  EXPECT_FALSE(find(*all, "hailo:0001:01:00.0"));
}

TEST_F(HailortDevices, DefaultPicksTheHailoOverTheSimulatorAndSaysSo) {
  add_hailo10h();
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  const auto& sel = (*vdevice)->selection();
  EXPECT_EQ(sel.backend, "hailort");
  ASSERT_EQ(sel.device_ids.size(), 1u);
  EXPECT_EQ(sel.device_ids[0], "hailo:0001:01:00.0");
  EXPECT_NE(sel.reason.find("Hailo-10H"), std::string::npos) << sel.reason;
  const auto& id = (*vdevice)->identity(0);
  EXPECT_EQ(id.fw_version, 0x050200u);
  EXPECT_EQ(id.runtime_version, "HailoRT 5.2.0");
  EXPECT_EQ(id.board_name, "Hailo-10H");
  EXPECT_EQ(id.serial_number, "HLLWMB0214500123");
  EXPECT_EQ(id.architecture, "HAILO10H");
  ASSERT_EQ(world().vdevices.size(), 1u);
  EXPECT_EQ(world().vdevices[0].device_ids, std::vector<std::string>{"0001:01:00.0"});
}

TEST_F(HailortDevices, VDeviceParamsReachHailoRT) {
  add_hailo10h("0001:01:00.0");
  add_hailo10h("0002:01:00.0");
  VDeviceParams p;
  p.device_ids = {"hailo:0001:01:00.0", "hailo:0002:01:00.0"};
  p.scheduling_algorithm = SchedulingAlgorithm::kNone;
  p.group_id = "cameras";
  auto vdevice = VDevice::create(p);
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  EXPECT_EQ((*vdevice)->device_count(), 2u);
  ASSERT_EQ(world().vdevices.size(), 1u);
  const auto& r = world().vdevices[0];
  EXPECT_EQ(r.device_ids, (std::vector<std::string>{"0001:01:00.0", "0002:01:00.0"}));
  EXPECT_EQ(r.algorithm, HAILO_SCHEDULING_ALGORITHM_NONE);
  EXPECT_EQ(r.group_id, "cameras");
  EXPECT_FALSE(r.multi_process_service);
}

TEST_F(HailortDevices, ExplicitSimulatorStillSelectsTheSimulator) {
  add_hailo10h();
  VDeviceParams p;
  p.device_ids = {"sim:0"};
  auto vdevice = VDevice::create(p);
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  EXPECT_EQ((*vdevice)->selection().backend, "in-process");
  EXPECT_TRUE(world().vdevices.empty());
}

TEST_F(HailortDevices, SimDevicesEnvironmentSelectsTheSimulator) {
  add_hailo10h();
  ::setenv("NPU_SIM_DEVICES", "1", 1);
  auto vdevice = VDevice::create();
  ::unsetenv("NPU_SIM_DEVICES");
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  EXPECT_EQ((*vdevice)->selection().backend, "in-process");
}

TEST_F(HailortDevices, WithoutAHailoTheDefaultIsTheSimulator) {
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  EXPECT_EQ((*vdevice)->selection().backend, "in-process");
  EXPECT_NE((*vdevice)->selection().reason.find("simulator"), std::string::npos);
}

TEST_F(HailortDevices, PresentButBusyIsAnErrorNotTheSimulator) {
  add_hailo10h().open_status = HAILO_DEVICE_IN_USE;
  auto vdevice = VDevice::create();
  ASSERT_FALSE(vdevice);
  const auto& m = vdevice.error().message();
  EXPECT_NE(m.find("hailo:0001:01:00.0"), std::string::npos) << m;
  EXPECT_NE(m.find("lsof"), std::string::npos) << m;
  EXPECT_NE(m.find("sim:0"), std::string::npos) << m;
}

TEST_F(HailortDevices, ExplicitBusyDeviceSaysWhy) {
  add_hailo10h().vdevice_status = HAILO_DEVICE_IN_USE;
  VDeviceParams p;
  p.device_ids = {"hailo:0001:01:00.0"};
  auto vdevice = VDevice::create(p);
  ASSERT_FALSE(vdevice);
  EXPECT_EQ(vdevice.error().code(), ErrorCode::kBusy);
  EXPECT_NE(vdevice.error().message().find("opening hailo:0001:01:00.0 through HailoRT"), std::string::npos)
      << vdevice.error().message();
}

TEST_F(HailortDevices, DriverOfAnotherReleaseIsAVersionMismatch) {
  add_hailo10h().open_status = HAILO_INVALID_DRIVER_VERSION;
  VDeviceParams p;
  p.device_ids = {"hailo:0001:01:00.0"};
  auto vdevice = VDevice::create(p);
  ASSERT_FALSE(vdevice);
  EXPECT_EQ(vdevice.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_NE(vdevice.error().message().find("same release"), std::string::npos);
}

TEST_F(HailortDevices, UnknownOrMalformedIdsAreRefused) {
  add_hailo10h();
  VDeviceParams p;
  p.device_ids = {"hailo:0009:09:00.0"};
  auto missing = VDevice::create(p);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("hailo:0009:09:00.0"), std::string::npos);
  p.device_ids = {"hailo:" + std::string(40, 'x')};
  auto malformed = VDevice::create(p);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace npu::test

namespace npu::test {
namespace {

// A Hailo seen twice, by npustack's own PCIe view (which cannot run it) and by HailoRT (busy):
// the error gives HailoRT's reason, the one to act on.
TEST(HailoDeviceSelection, OneDeviceSeenByTwoBackendsIsReportedAsTheLaterSeesIt) {
  auto pcie_backend = hailort_backend::make_backend();  // any backend object: only ownership matters here
  auto hailo_backend = hailort_backend::make_backend();
  DeviceInfo pcie;
  pcie.id = "pcie:0001:01:00.0";
  pcie.backend = "pcie";
  pcie.name = "Hailo-10H";
  pcie.bus_address = "0001:01:00.0";
  pcie.note = "npustack's own driver does not speak its protocol";
  DeviceInfo hailo = pcie;
  hailo.id = "hailo:0001:01:00.0";
  hailo.backend = "hailo";
  hailo.note = "busy: stop the other process";
  const std::vector<backend::BackendDevices> seen = {{pcie_backend, {pcie}}, {hailo_backend, {hailo}}};
  auto scan = [&]() -> Expected<std::vector<backend::BackendDevices>> { return seen; };
  auto chosen = backend::select_devices({}, {pcie_backend, hailo_backend}, scan, false);
  ASSERT_FALSE(chosen);
  EXPECT_NE(chosen.error().message().find("hailo:0001:01:00.0"), std::string::npos) << chosen.error().message();
  EXPECT_NE(chosen.error().message().find("busy: stop the other process"), std::string::npos);
  // Alone (a build without HailoRT), npustack's own view is the one reported.
  const std::vector<backend::BackendDevices> alone = {{pcie_backend, {pcie}}};
  auto only = backend::select_devices({}, {pcie_backend}, [&]() -> Expected<std::vector<backend::BackendDevices>> {
    return alone;
  }, false);
  ASSERT_FALSE(only);
  EXPECT_NE(only.error().message().find("pcie:0001:01:00.0"), std::string::npos);
  EXPECT_NE(only.error().message().find("sim:0"), std::string::npos);
}

}  // namespace
}  // namespace npu::test
