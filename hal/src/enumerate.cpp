#include "npu/hal/enumerate.hpp"

#include <fmt/format.h>
#include <optional>

#include "npu/hal/backend.hpp"

namespace npu::hal {

Expected<std::vector<DeviceInfo>> enumerate_devices() {
  std::vector<DeviceInfo> all;
  for (const auto& backend : registered_backends()) {
    auto found = backend->enumerate();
    if (!found) return fail(found.error().with_context(fmt::format("{} backend", backend->name())));
    all.insert(all.end(), found->begin(), found->end());
  }
  return all;
}

Expected<std::unique_ptr<Device>> open_device(const std::string& id) {
  const std::string prefix = id.substr(0, id.find(':'));
  std::optional<Error> not_found;
  for (const auto& backend : registered_backends()) {
    if (backend->name() != prefix || id.size() <= prefix.size()) continue;
    auto device = backend->open(id);
    if (device || device.error().code() != ErrorCode::kNotFound) return device;
    not_found = device.error();  // add the list of devices that do exist
    break;
  }
  std::string known;
  if (auto devices = enumerate_devices()) {
    for (const auto& d : *devices) known += (known.empty() ? "" : ", ") + d.id;
  }
  return fail(ErrorCode::kNotFound,
              fmt::format("{}; devices present: {} (run `npu scan`)",
                          not_found ? not_found->message() : fmt::format("no device '{}'", id),
                          known.empty() ? "none" : known));
}

}  // namespace npu::hal
