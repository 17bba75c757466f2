// Driver::open, the composition root: every piece of a driver is built here, in one place, and
// handed to DeviceDriver. Tests build the same pieces around a fake hal::Device.
#include <fmt/format.h>

#include "device_driver.hpp"
#include "npu/driver/firmware_locator.hpp"

namespace npu::driver {

namespace {

Expected<void> validate(const DriverOptions& o) {
  if (o.boot_timeout.count() <= 0 || o.mailbox_timeout.count() <= 0 ||
      o.dma_timeout.count() <= 0 || o.run_timeout.count() <= 0 || o.hang_timeout.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "driver timeouts must be positive");
  }
  if (o.irq_poll_interval.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "DriverOptions::irq_poll_interval must be positive");
  }
  return {};
}

}  // namespace

Expected<std::unique_ptr<Driver>> Driver::open(std::unique_ptr<hal::Device> device,
                                               const DriverOptions& options) {
  if (!device) return fail(ErrorCode::kInvalidArgument, "Driver::open: no device given");
  NPU_TRY(validate(options));
  const std::string id = device->info().id;
  auto with_device = [&](const Error& e) { return e.with_context(fmt::format("device {}", id)); };

  auto path = locate_firmware(FirmwareSearch::from_environment(options.firmware_path));
  if (!path) return fail(with_device(path.error()));
  auto image = FirmwareImage::load(*path);
  if (!image) return fail(with_device(image.error()));

  DeviceDriver::Parts parts;
  parts.device = std::move(device);
  auto irq = IrqDispatcher::create(*parts.device, options.irq_poll_interval);
  if (!irq) return fail(with_device(irq.error()));
  parts.irq = std::move(*irq);
  parts.mailbox = std::make_unique<MailboxClient>(*parts.device, *parts.irq);

  DmaChannelConfig dma;
  dma.ring_entries = options.ring_entries;
  dma.staging_bytes = options.staging_bytes;
  dma.max_descriptor_bytes = options.max_descriptor_bytes;
  dma.timeout = options.dma_timeout;
  auto h2d = DmaChannel::create(*parts.device, *parts.irq, DmaDirection::kHostToDevice, dma);
  if (!h2d) return fail(with_device(h2d.error()));
  parts.h2d = std::move(*h2d);
  auto d2h = DmaChannel::create(*parts.device, *parts.irq, DmaDirection::kDeviceToHost, dma);
  if (!d2h) return fail(with_device(d2h.error()));
  parts.d2h = std::move(*d2h);

  auto driver = DeviceDriver::create(std::move(parts), std::move(*image), options);
  if (!driver) return fail(with_device(driver.error()));
  return std::unique_ptr<Driver>(std::move(*driver));
}

}  // namespace npu::driver
