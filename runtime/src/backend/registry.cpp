#include "backend/registry.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend/device_selection.hpp"
#include "npu/common/log.hpp"
#include "npu/common/npk_format.hpp"

namespace npu::backend {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::shared_ptr<Backend>> backends = built_in_backends();
};

Registry& registry() {
  static Registry r;
  return r;
}

// NPU_SIM_DEVICES set (and not 0): the user asked for simulated devices.
bool simulator_requested() {
  const char* env = std::getenv("NPU_SIM_DEVICES");
  return env != nullptr && *env != '\0' && std::string_view(env) != "0";
}

}  // namespace

void register_backend(std::shared_ptr<Backend> backend) {
  if (!backend) return;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.backends.push_back(std::move(backend));
}

void unregister_backend(const std::shared_ptr<Backend>& backend) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::erase(r.backends, backend);
}

std::vector<std::shared_ptr<Backend>> registered_backends() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.backends;
}

std::shared_ptr<Backend> find_backend(std::string_view name) {
  for (auto& b : registered_backends()) {
    if (b->name() == name) return b;
  }
  return nullptr;
}

namespace {
Expected<std::vector<BackendDevices>> scan_backends(const std::vector<std::shared_ptr<Backend>>& backends) {
  std::vector<BackendDevices> out;
  for (const auto& b : backends) {
    if (b->is_service()) continue;
    auto devices = b->scan();
    if (!devices) return fail(devices.error().with_context(fmt::format("{} backend", b->name())));
    out.push_back({b, std::move(*devices)});
  }
  return out;
}
}  // namespace

Expected<std::vector<DeviceInfo>> scan_all() {
  NPU_TRY_ASSIGN(auto seen, scan_backends(registered_backends()));
  std::vector<DeviceInfo> all;
  for (auto& b : seen) all.insert(all.end(), b.devices.begin(), b.devices.end());
  return all;
}

Expected<OpenedVDevice> open_vdevice(const VDeviceParams& params) {
  const auto backends = registered_backends();
  NPU_TRY_ASSIGN(auto selection,
                 select_devices(params, backends, [&] { return scan_backends(backends); }, simulator_requested()));
  auto opened = selection.backend->open(params, selection.device_ids);
  if (!opened) return fail(opened.error());
  OpenedVDevice out;
  out.backend = std::move(*opened);
  out.selection.backend = std::string(selection.backend->name());
  for (std::size_t i = 0; i < out.backend->device_count(); ++i) {
    out.selection.device_ids.push_back(out.backend->identity(i).info.id);
  }
  out.selection.reason = std::move(selection.reason);
  log().info("VDevice on {} ({}): {}", fmt::join(out.selection.device_ids, ", "), out.selection.backend,
             out.selection.reason);
  return out;
}

std::string model_kind(const std::filesystem::path& path) {
  // The content decides when it says: an .npk opened through /proc/self/fd/N (npud) has no extension.
  if (std::ifstream f(path, std::ios::binary); f) {
    char magic[sizeof(npk::kMagic)] = {};
    if (f.read(magic, sizeof(magic)) && std::memcmp(magic, npk::kMagic, sizeof(magic)) == 0) return "npk";
  }
  std::string ext = path.extension().string();
  if (!ext.empty() && ext.front() == '.') ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

Expected<void> check_model_kind(std::string_view backend_name, const std::filesystem::path& path) {
  const std::string kind = model_kind(path);
  std::vector<std::string> runners, own;
  for (const auto& b : registered_backends()) {
    const auto kinds = b->model_kinds();
    if (b->name() == backend_name) own = kinds;
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) runners.push_back(std::string(b->name()));
  }
  if (std::find(own.begin(), own.end(), kind) != own.end()) return {};
  if (runners.empty() && kind == "hef") {
    return fail(ErrorCode::kUnsupported,
                fmt::format("{} is a HailoRT network (.hef): it runs on a Hailo device through HailoRT, and this "
                            "build has no HailoRT backend: install HailoRT and rebuild npustack with "
                            "-DNPU_WITH_HAILORT=ON (or compile the model to .npk with `npu compile`)", path.string()));
  }
  const std::string what = kind.empty() ? std::string("a file without an extension") : fmt::format("a .{} file", kind);
  return fail(ErrorCode::kUnsupported,
              fmt::format("{} is {}, which this VDevice's backend ({}) cannot run (it runs: .{}){}", path.string(),
                          what, backend_name, fmt::join(own, ", ."),
                          runners.empty() ? std::string("; no backend of this build runs it")
                                          : fmt::format("; open a VDevice on a device of the {} backend for it "
                                                        "(`npu scan` lists the devices)", fmt::join(runners, " or "))));
}

}  // namespace npu::backend
