// Boot: reset the device, check it speaks the npustack ABI, upload the firmware image through a
// DMA buffer, start it and wait (interrupt, or polling STATUS if the interrupt is lost) until it is
// alive or has refused the image, whose BootError is explained in terms of the file.
#pragma once

#include <chrono>

#include "npu/common/error.hpp"
#include "npu/driver/firmware_image.hpp"
#include "npu/driver/irq_dispatcher.hpp"
#include "npu/hal/device.hpp"

namespace npu::driver {

[[nodiscard]] Expected<void> boot_device(hal::Device& device, IrqDispatcher& irq,
                                         const FirmwareImage& image,
                                         std::chrono::milliseconds timeout);

}  // namespace npu::driver
