// The usb backend: ABI-native USB NPUs (vendor 0x1209, products 0x4e50 running / 0x4e51 boot
// mode) as "usb:<bus>-<port.port...>". Opening a boot-mode device downloads the USB loader image
// first (NPU_USB_BOOT_FIRMWARE, else npustack-usb-boot.bin in NPU_FIRMWARE_DIR or
// /lib/firmware/npustack) and waits for it to re-enumerate as the running product.
#pragma once

#include <memory>

#include "npu/hal/backend.hpp"

namespace npu::hal {

[[nodiscard]] std::shared_ptr<Backend> make_usb_backend();

}  // namespace npu::hal
