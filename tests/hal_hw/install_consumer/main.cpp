// A program outside the source tree that uses the installed npustack: lists devices through the
// public API and opens the first simulated one (proves headers, libraries, firmware and profiles
// were all installed).
#include <cstdio>

#include "npu/runtime.hpp"

int main() {
  auto devices = npu::VDevice::scan();
  if (!devices) {
    std::printf("scan failed: %s\n", devices.error().what().c_str());
    return 1;
  }
  for (const auto& d : *devices) std::printf("%s %s\n", d.id.c_str(), d.name.c_str());
  npu::VDeviceParams params;
  params.device_ids = {"sim:0"};
  auto vdevice = npu::VDevice::create(params);
  if (!vdevice) {
    std::printf("open failed: %s\n", vdevice.error().what().c_str());
    return 1;
  }
  std::printf("opened %s\n", (*vdevice)->identity(0).info.id.c_str());
  return 0;
}
