// DeviceDriver: ABI 1.1 features — placed (and timing-only) weight uploads, device profiling.
#include <fmt/format.h>

#include "device_driver.hpp"
#include "npu/driver/abi_compat.hpp"
#include "npu/driver/error_text.hpp"

namespace npu::driver {

Expected<void> DeviceDriver::require_feature(const char* feature, const char* what) const {
  if (abi_supports(identity_.abi_version, feature)) return {};
  return fail(ErrorCode::kUnsupported,
              fmt::format("{} needs firmware feature '{}', which the running firmware ({}) lacks: "
                          "install newer npustack firmware",
                          what, feature, abi_version_text(identity_.abi_version)));
}

Expected<void> DeviceDriver::write_weights(std::uint64_t device_address, std::span<const std::byte> data) {
  if (!abi_supports(identity_.abi_version, "dma.place")) return write(device_address, data);
  return guarded(Path::kDma, [&] { return parts_.h2d->write(device_address, data, abi::kDmaPlace); });
}

Expected<void> DeviceDriver::model_weight_upload(std::uint64_t device_address, std::uint64_t bytes) {
  NPU_TRY(require_feature("dma.place", "a timing-only weight upload"));
  return guarded(Path::kDma, [&] { return parts_.h2d->write_no_data(device_address, bytes, abi::kDmaPlace); });
}

Expected<abi::ProfileResponse> DeviceDriver::profile_call(const abi::ProfileRequest& request) {
  abi::ProfileResponse response{};
  auto done = guarded(Path::kMailbox, [&]() -> Expected<void> {
    NPU_TRY_ASSIGN(response, parts_.mailbox->call<abi::ProfileResponse>(abi::MboxOpcode::kProfile, request,
                                                                       options_.mailbox_timeout));
    return {};
  });
  if (!done) return fail(done.error());
  if (response.record_size != sizeof(abi::ProfileRecord)) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("the device's profile records are {} bytes, this driver reads {}-byte records; "
                            "install the npustack firmware matching this driver",
                            response.record_size, sizeof(abi::ProfileRecord)));
  }
  return response;
}

Expected<void> DeviceDriver::start_profile() {
  NPU_TRY(require_feature("mailbox.profile", "device profiling"));
  abi::ProfileRequest req{};
  req.action = static_cast<std::uint32_t>(abi::ProfileAction::kStart);
  NPU_TRY(profile_call(req));
  return {};
}

Expected<ProfileData> DeviceDriver::read_profile(bool stop) {
  NPU_TRY(require_feature("mailbox.profile", "device profiling"));
  abi::ProfileRequest req{};
  if (stop) {
    req.action = static_cast<std::uint32_t>(abi::ProfileAction::kStop);
    NPU_TRY(profile_call(req));
  }
  // The device copies the records into a DMA buffer of ours, a window at a time.
  constexpr std::size_t kWindowRecords = 4096;
  auto buffer = parts_.device->alloc_dma(kWindowRecords * sizeof(abi::ProfileRecord));
  if (!buffer) return fail(buffer.error().with_context("allocating a buffer for the device profile"));
  ProfileData out;
  out.clock_khz = identity_.clock_khz;
  req.action = static_cast<std::uint32_t>(abi::ProfileAction::kRead);
  req.host_addr = (*buffer)->device_address();
  req.host_bytes = static_cast<std::uint32_t>((*buffer)->size());
  while (true) {
    req.first_record = static_cast<std::uint32_t>(out.records.size());
    NPU_TRY_ASSIGN(const abi::ProfileResponse r, profile_call(req));
    out.dropped = r.dropped;
    const auto* first = reinterpret_cast<const abi::ProfileRecord*>((*buffer)->data());
    out.records.insert(out.records.end(), first, first + r.records_copied);
    if (r.records_copied == 0 || out.records.size() >= r.records_total) break;
  }
  return out;
}

}  // namespace npu::driver
