// The registered backends and what the fronts ask of them as a whole: scanning every backend,
// opening a VDevice (device selection, device_selection.hpp) and checking that a model file is of
// a kind the VDevice's backend runs. The built-in backends come from the composition root
// (src/backends.cpp); tests add fakes with register_backend().
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "backend/backend.hpp"
#include "backend/vdevice_backend.hpp"

namespace npu::backend {

// The composition root's list, in preference order (defined in src/backends.cpp).
[[nodiscard]] std::vector<std::shared_ptr<Backend>> built_in_backends();

// Adds a backend after the built-in ones (a test's fake; its device family must be new).
void register_backend(std::shared_ptr<Backend> backend);
// Removes a backend added by register_backend (tests clean up after themselves).
void unregister_backend(const std::shared_ptr<Backend>& backend);
[[nodiscard]] std::vector<std::shared_ptr<Backend>> registered_backends();
[[nodiscard]] std::shared_ptr<Backend> find_backend(std::string_view name);

// Every device of every backend, in backend order.
[[nodiscard]] Expected<std::vector<DeviceInfo>> scan_all();

struct OpenedVDevice {
  std::shared_ptr<VDeviceBackend> backend;
  DeviceSelection selection;
};
// Picks the backend and devices for `params` (device_selection.hpp) and opens them.
[[nodiscard]] Expected<OpenedVDevice> open_vdevice(const VDeviceParams& params);

// The kind of a model file: "npk" when it starts with the .npk magic, else its extension, lower
// case, without the dot ("hef").
[[nodiscard]] std::string model_kind(const std::filesystem::path& path);
// kUnsupported when the backend named `backend_name` does not run files of `path`'s kind, naming
// the backends that do.
[[nodiscard]] Expected<void> check_model_kind(std::string_view backend_name, const std::filesystem::path& path);

}  // namespace npu::backend
