// The Hailo devices HailoRT sees, and what they are: scan and identify through HailoRT (never
// through npustack's own hal, which cannot speak Hailo's firmware protocol). Ids are
// "hailo:<HailoRT device id>" (HailoRT's id of a PCIe device is its PCI address).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/device_info.hpp"

namespace npu::hailort_backend {

inline constexpr std::string_view kIdPrefix = "hailo:";

// "5.2.0": the HailoRT library this process runs (not the headers it was built with).
[[nodiscard]] std::string hailort_version();

struct HailoDevice {
  std::string id;         // "hailo:0001:01:00.0"
  std::string hailo_id;   // "0001:01:00.0", as HailoRT names it
  std::string architecture;  // "HAILO10H", ...
  std::string name;          // "Hailo-10H"
  std::string board;         // the board name the firmware reports
  std::string serial, part_number, product;
  std::string firmware_version;  // "5.2.0"
  bool release_firmware = true;
  std::string hailort_version;
  bool usable = false;  // identified; otherwise `note` says why not and what to do
  std::string note;
};

// Every device HailoRT can see; a device it sees but cannot identify (busy, wrong firmware) is
// listed with usable = false and a note. HailoRT present but no driver loaded: an empty list.
[[nodiscard]] Expected<std::vector<HailoDevice>> scan_devices();
// Identifies one device by its id ("hailo:..." or HailoRT's own id).
[[nodiscard]] Expected<HailoDevice> identify_device(std::string_view id);

// "hailo:0001:01:00.0" -> "0001:01:00.0"; an id without the prefix is returned as given.
[[nodiscard]] std::string hailo_device_id(std::string_view id);

// As the runtime reports devices (npu scan / identify). A device whose firmware is of another
// release than the HailoRT library is usable but carries a note naming both.
[[nodiscard]] DeviceInfo info_of(const HailoDevice& device);
[[nodiscard]] DeviceIdentity identity_of(const HailoDevice& device);

}  // namespace npu::hailort_backend
