#include "local/device_model.hpp"

#include <chrono>

#include <fmt/format.h>

#include "npu/common/log.hpp"

namespace npu::detail {

Expected<std::unique_ptr<DeviceModel>> DeviceModel::create(driver::Driver& driver,
                                                           std::shared_ptr<const ModelPackage> package) {
  std::unique_ptr<DeviceModel> model(new DeviceModel(driver, std::move(package)));
  NPU_TRY(model->load());
  return model;
}

DeviceModel::~DeviceModel() { release(); }

void DeviceModel::release() noexcept {
  // Resources from an older generation vanished with the reset; only current ones are freed.
  const std::uint64_t gen = driver_.generation();
  if (loaded_ && context_.generation == gen) (void)driver_.unload_context(context_);
  for (auto& seg : segments_) {
    if (seg.size != 0 && seg.generation == gen) driver_.release(seg);
    seg = {};
  }
  loaded_ = false;
}

Expected<void> DeviceModel::load() {
  release();
  const auto& pkg = *package_;
  num_segments_ = 0;
  for (std::size_t i = 0; i < pkg.segment_bytes.size(); ++i) {
    if (pkg.segment_bytes[i] == 0) continue;
    auto alloc = driver_.allocate(pkg.segment_bytes[i]);
    if (!alloc) {
      release();
      return fail(alloc.error().with_context(
          fmt::format("model '{}': allocating {} bytes of device memory", pkg.name, pkg.segment_bytes[i])));
    }
    segments_[i] = *alloc;
    num_segments_ = static_cast<std::uint32_t>(i + 1);
  }
  auto loaded = [&]() -> Expected<void> {
    if (!pkg.weights.empty()) {
      NPU_TRY(driver_.write(segments_[static_cast<std::size_t>(abi::Segment::kWeights)].address, pkg.weights));
    }
    driver::ContextSpec spec;
    spec.program = pkg.program;
    spec.segments = segments_;
    spec.num_segments = num_segments_;
    NPU_TRY_ASSIGN(context_, driver_.load_context(spec));
    return {};
  }();
  if (!loaded) {
    release();
    return fail(loaded.error().with_context(fmt::format("loading model '{}'", pkg.name)));
  }
  loaded_ = true;
  return {};
}

Expected<RunInfo> DeviceModel::execute(const BindingsState& buffers) {
  RunInfo info;
  if (!loaded_ || context_.generation != driver_.generation()) {
    log().info("model '{}': device generation changed, re-loading", package_->name);
    NPU_TRY(load());
    info.reloaded = true;
  }
  const auto& pkg = *package_;
  const std::uint64_t io = segments_[static_cast<std::size_t>(abi::Segment::kIo)].address;
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < pkg.inputs.size(); ++i) {
    NPU_TRY(driver_.write(io + pkg.inputs[i].io_offset, buffers.input_buffers[i]));
  }
  NPU_TRY_ASSIGN(auto result, driver_.run(context_));
  for (std::size_t i = 0; i < pkg.outputs.size(); ++i) {
    NPU_TRY(driver_.read(io + pkg.outputs[i].io_offset, buffers.output_buffers[i]));
  }
  info.host_time = std::chrono::steady_clock::now() - start;
  info.device_cycles = result.end_cycle - result.start_cycle;
  const std::uint32_t khz = driver_.identity().clock_khz;
  if (khz != 0) {
    info.device_time = std::chrono::nanoseconds(
        static_cast<std::int64_t>(static_cast<double>(info.device_cycles) * 1e6 / khz));
  }
  return info;
}

}  // namespace npu::detail
