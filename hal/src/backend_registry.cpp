#include <mutex>

#include "npu/hal/backend.hpp"
#include "pcie/pcie_backend.hpp"
#include "sim/sim_backend.hpp"
#include "usb/usb_backend.hpp"

namespace npu::hal {
namespace {

struct Registry {
  std::mutex mutex;
  // Built-in backends first: the simulator, then real hardware (pcie, usb).
  std::vector<std::shared_ptr<Backend>> backends{make_sim_backend(), make_pcie_backend(), make_usb_backend()};
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_backend(std::shared_ptr<Backend> backend) {
  if (!backend) return;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.backends.push_back(std::move(backend));
}

std::vector<std::shared_ptr<Backend>> registered_backends() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.backends;
}

}  // namespace npu::hal
