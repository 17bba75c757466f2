// A HailoRT VDevice: the Hailo devices of one npu::VDevice, HailoRT's scheduler over them
// (round-robin or none, group id), and what each device is (identified before HailoRT's VDevice
// takes it over).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hailo_devices.hpp"
#include "npu/common/error.hpp"

namespace hailort {
class VDevice;
}

namespace npu::hailort_backend {

struct HailoVDeviceParams {
  std::vector<std::string> device_ids;  // "hailo:..." ids; empty = HailoRT picks one device
  bool round_robin = true;              // HailoRT's ROUND_ROBIN scheduler, else NONE
  std::string group_id;                 // empty: HailoRT's default (a private VDevice)
  bool multi_process_service = false;   // through HailoRT's own service (hailort.service)
};

class HailoVDevice {
 public:
  [[nodiscard]] static Expected<std::shared_ptr<HailoVDevice>> create(const HailoVDeviceParams& params);
  HailoVDevice(std::shared_ptr<hailort::VDevice> vdevice, std::vector<HailoDevice> devices, bool round_robin);
  ~HailoVDevice();

  [[nodiscard]] const std::shared_ptr<hailort::VDevice>& vdevice() const noexcept { return vdevice_; }
  [[nodiscard]] const std::vector<HailoDevice>& devices() const noexcept { return devices_; }
  [[nodiscard]] bool round_robin() const noexcept { return round_robin_; }

 private:
  std::shared_ptr<hailort::VDevice> vdevice_;
  std::vector<HailoDevice> devices_;
  bool round_robin_;
};

}  // namespace npu::hailort_backend
