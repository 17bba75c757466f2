#include "sim/sim_backend.hpp"

#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

#include "npu/sim/device_profile.hpp"
#include "npu/sim/fault_plan.hpp"
#include "npu/sim/sim_device.hpp"
#include "npu/sim/timing_model.hpp"
#include "sim/sim_hal_device.hpp"
#include "sim/sim_registry.hpp"

namespace npu::hal {
namespace {

constexpr std::uint32_t kMaxSimDevices = 64;

Expected<std::uint32_t> sim_device_count() {
  const char* env = std::getenv("NPU_SIM_DEVICES");
  if (!env) return 1u;
  std::string_view s(env);
  std::uint32_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || n > kMaxSimDevices)
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("NPU_SIM_DEVICES='{}' must be a number 0..{} (0 hides simulated devices)", s, kMaxSimDevices));
  return n;
}

std::string sim_profile_name() {
  const char* env = std::getenv("NPU_SIM_PROFILE");
  return env && *env ? env : "hailo10h";
}

// NPU_SIM_CONTROL_CORE: where the firmware's steps run (sim::SimConfig::steps_in_host_thread).
Expected<bool> steps_in_host_thread() {
  const char* env = std::getenv("NPU_SIM_CONTROL_CORE");
  const std::string_view s = env ? env : "";
  if (s.empty() || s == "host") return true;
  if (s == "thread") return false;
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("NPU_SIM_CONTROL_CORE='{}' must be 'host' (a doorbell that finds the control core idle runs "
                          "its step in the writing thread; the default) or 'thread' (every step on the control-core "
                          "thread)",
                          s));
}

DeviceInfo describe(std::uint32_t index, const sim::DeviceProfile& profile) {
  DeviceInfo info;
  info.id = fmt::format("sim:{}", index);
  info.backend = "sim";
  info.name = fmt::format("npustack simulator ({})", profile.name);
  info.bus_address = "in-process";
  info.link = profile.link_name;
  info.abi_native = true;
  if (sim_registry::is_open(info.id)) info.note = "open in this process";
  return info;
}

class SimBackend final : public Backend {
 public:
  std::string_view name() const noexcept override { return "sim"; }

  Expected<std::vector<DeviceInfo>> enumerate() override {
    NPU_TRY_ASSIGN(std::uint32_t count, sim_device_count());
    std::vector<DeviceInfo> out;
    if (count == 0) return out;
    NPU_TRY_ASSIGN(auto profile, sim::DeviceProfile::load(sim_profile_name()));
    for (std::uint32_t i = 0; i < count; ++i) out.push_back(describe(i, profile));
    return out;
  }

  Expected<std::unique_ptr<Device>> open(const std::string& id) override {
    NPU_TRY_ASSIGN(std::uint32_t count, sim_device_count());
    std::string_view num = std::string_view(id).substr(4);  // after "sim:"
    std::uint32_t index = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), index);
    if (ec != std::errc() || p != num.data() + num.size() || num.empty() || index >= count)
      return fail(ErrorCode::kNotFound,
                  fmt::format("no simulated device '{}': NPU_SIM_DEVICES={} gives {}", id, count,
                              count == 0 ? std::string("none") : fmt::format("sim:0..sim:{}", count - 1)));
    NPU_TRY_ASSIGN(auto profile, sim::DeviceProfile::load(sim_profile_name()));
    NPU_TRY_ASSIGN(auto all_faults, sim::FaultPlan::from_environment());
    auto faults = all_faults.for_device(index);
    NPU_TRY_ASSIGN(auto timing, sim::TimingModel::create(profile));
    DeviceInfo info = describe(index, profile);
    NPU_TRY_ASSIGN(const bool in_host_thread, steps_in_host_thread());
    sim::SimConfig config{std::move(profile), index, std::move(faults), in_host_thread};
    NPU_TRY_ASSIGN(auto device, sim::SimDevice::create(std::move(config), std::move(timing)));
    if (!sim_registry::claim(id, device))
      return fail(ErrorCode::kBusy, fmt::format("{} is already open in this process; close it first", id));
    return std::make_unique<SimHalDevice>(std::move(info), std::move(device));
  }
};

}  // namespace

std::shared_ptr<Backend> make_sim_backend() { return std::make_shared<SimBackend>(); }

}  // namespace npu::hal
