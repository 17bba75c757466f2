// The simulated devices currently open in this process, by id: lets sim_control reach a device
// that a test opened (and handed to a driver) without holding it open.
#pragma once

#include <memory>
#include <string>

#include "npu/sim/sim_device.hpp"

namespace npu::hal::sim_registry {

// False if `id` is already open.
[[nodiscard]] bool claim(const std::string& id, std::weak_ptr<sim::SimDevice> device);
[[nodiscard]] bool is_open(const std::string& id);
void release(const std::string& id);
[[nodiscard]] std::shared_ptr<sim::SimDevice> find(const std::string& id);

}  // namespace npu::hal::sim_registry
