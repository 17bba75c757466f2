#include "local/llm/llm_model_core.hpp"

#include <fmt/format.h>

#include "npu/common/log.hpp"

namespace npu::genai::detail {

std::chrono::nanoseconds cycles_to_time(std::uint64_t cycles, std::uint32_t clock_khz) noexcept {
  if (clock_khz == 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(cycles) * 1e6 / clock_khz));
}

LlmModelCore::LlmModelCore(std::shared_ptr<local::LocalVDevice> vdevice,
                           std::shared_ptr<const LlmPackage> package)
    : vdevice_(std::move(vdevice)), package_(std::move(package)), weights_(vdevice_->drivers().size()) {}

Expected<std::shared_ptr<LlmModelCore>> LlmModelCore::create(std::shared_ptr<local::LocalVDevice> vdevice,
                                                             std::shared_ptr<const LlmPackage> package) {
  std::shared_ptr<LlmModelCore> core(new LlmModelCore(std::move(vdevice), std::move(package)));
  std::lock_guard lock(core->mutex_);
  for (std::size_t d = 0; d < core->weights_.size(); ++d) {
    if (!core->vdevice_->usable(d)) continue;  // removed: no session goes there
    auto& drv = core->driver(d);
    auto host_start = std::chrono::steady_clock::now();
    auto before = drv.device_cycles();
    if (auto uploaded = core->upload(d); !uploaded) {
      if (core->vdevice_->dropped_after(uploaded.error(), d)) continue;
      return fail(uploaded.error());
    }
    auto after = drv.device_cycles();
    core->load_host_time_ += std::chrono::steady_clock::now() - host_start;
    if (before && after && *after >= *before) {
      core->load_device_time_ += cycles_to_time(*after - *before, drv.identity().clock_khz);
    }
  }
  return core;
}

LlmModelCore::~LlmModelCore() {
  for (std::size_t d = 0; d < weights_.size(); ++d) {
    auto& w = weights_[d];
    if (w.size != 0 && w.generation == driver(d).generation()) driver(d).release(w);
  }
}

Expected<void> LlmModelCore::upload(std::size_t device) {
  auto& drv = driver(device);
  const std::uint64_t bytes = package_->segment(abi::Segment::kWeights);
  auto& slot = weights_[device];
  if (slot.size != 0 && slot.generation == drv.generation()) drv.release(slot);
  slot = {};
  if (bytes == 0) return {};
  auto alloc = drv.allocate(bytes);
  if (!alloc) {
    return fail(alloc.error().with_context(fmt::format(
        "model '{}': allocating {} bytes for its weights on device {}", package_->name, bytes, device)));
  }
  // The device places the weights into its own layout (part of the modeled load). A package
  // without weight values (timing-only) still has the upload charged, with no data moving.
  {
    auto written = package_->weights.empty() ? drv.model_weight_upload(alloc->address, bytes)
                                             : drv.write_weights(alloc->address, package_->weights);
    if (!written) {
      if (alloc->generation == drv.generation()) drv.release(*alloc);
      return fail(written.error().with_context(fmt::format("model '{}': writing its weights", package_->name)));
    }
  }
  slot = *alloc;
  return {};
}

Expected<driver::DeviceAllocation> LlmModelCore::weights_on(std::size_t device) {
  std::lock_guard lock(mutex_);
  auto& drv = driver(device);
  const bool want = package_->segment(abi::Segment::kWeights) != 0;
  if (want && (weights_[device].size == 0 || weights_[device].generation != drv.generation())) {
    log().info("model '{}': device {} was reset, writing the weights again", package_->name, device);
    NPU_TRY(upload(device));
  }
  return weights_[device];
}

}  // namespace npu::genai::detail
