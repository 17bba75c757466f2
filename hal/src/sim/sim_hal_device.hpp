// hal::Device and hal::DmaBuffer over an in-process SimDevice.
#pragma once

#include <memory>

#include "npu/hal/device.hpp"
#include "npu/sim/sim_device.hpp"

namespace npu::hal {

class SimHalDevice final : public Device {
 public:
  // Takes the registry claim on info.id (released on destruction).
  SimHalDevice(DeviceInfo info, std::shared_ptr<sim::SimDevice> device)
      : info_(std::move(info)), device_(std::move(device)) {}
  ~SimHalDevice() override;

  const DeviceInfo& info() const noexcept override { return info_; }
  std::uint32_t read32(std::uint32_t offset) override { return device_->read32(offset); }
  void write32(std::uint32_t offset, std::uint32_t value) override { device_->write32(offset, value); }
  Expected<std::unique_ptr<DmaBuffer>> alloc_dma(std::size_t bytes) override;
  Expected<void> wait_interrupt(std::chrono::milliseconds timeout) override;
  Expected<void> reset() override;
  bool present() const noexcept override { return device_->present(); }

 private:
  DeviceInfo info_;
  std::shared_ptr<sim::SimDevice> device_;
};

}  // namespace npu::hal
