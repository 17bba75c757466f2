// The runtime's backend seam. Every public API object is a thin front over one interface here:
//
//   npu::VDevice               -> VDeviceBackend          (vdevice_backend.hpp)
//   npu::InferModel            -> InferModelBackend       (infer_model_backend.hpp)
//   npu::ConfiguredInferModel  -> ConfiguredModelBackend  (configured_model_backend.hpp)
//   npu::genai::LLM            -> LlmBackend              (llm_backend.hpp)
//   npu::genai::Generator      -> GenerationStream        (generation_stream.hpp)
//
// and a Backend (below) is the factory of one family of devices: it scans its devices, opens a
// VDeviceBackend over some of them, and says which model files it runs. The fronts (src/api)
// know only these interfaces; the implementations know the fronts' public types and these
// interfaces, never each other:
//
//   src/api  ->  src/backend  <-  src/local (in-process: our driver over hal; .npk)
//                             <-  src/remote (npud, the multi-process service; .npk)
//                             <-  src/hailort (HailoRT; .hef; built when HailoRT is found)
//
// How a backend plugs in:
//   1. Implement Backend and the object interfaces (VDeviceBackend creates the others). Errors
//      are npu::Error with a message that says what to do.
//   2. Provide a factory `std::shared_ptr<backend::Backend> make_backend()` in the backend's own
//      namespace and add it to built_in_backends() in src/backends.cpp, the composition root
//      (guarded by the backend's build option). Tests add fakes with register_backend().
//   3. Device ids: "<family>:<id>" with a family no other backend owns (owns_device()).
//      scan() reports every device it sees, usable or not (a note says why not and the fix).
//      bus_address identifies the physical device, so that a device one backend refuses and
//      another runs (a Hailo-10H seen by hal's PCIe scan and by HailoRT) is not reported as
//      an unusable accelerator.
//   4. model_kinds(): the file kinds it runs ("npk", "hef"); VDevice::create_infer_model and
//      genai::LLM::create refuse other kinds before the backend sees them, naming the backend
//      that does run them (registry.hpp: check_model_kind).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/vdevice.hpp"

namespace npu::backend {

class VDeviceBackend;

class Backend {
 public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // For messages and DeviceSelection::backend: "in-process", "npud", "hailort".
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  // The service backend (npud) is chosen by VDeviceParams::multi_process, not by device ids; it
  // lists no devices of its own in scan().
  [[nodiscard]] virtual bool is_service() const noexcept { return false; }
  // Model file kinds it runs, lower case without the dot ("npk", "hef").
  [[nodiscard]] virtual std::vector<std::string> model_kinds() const = 0;
  // Whether `device_id` ("sim:0", "hailo:0000:01:00.0") names one of its devices' family.
  [[nodiscard]] virtual bool owns_device(std::string_view device_id) const = 0;
  // Every device it sees, usable or not.
  [[nodiscard]] virtual Expected<std::vector<DeviceInfo>> scan() const = 0;
  // A VDevice over `device_ids` (all owned by this backend, each listed once; empty for a service
  // backend, which passes params.device_ids on).
  [[nodiscard]] virtual Expected<std::shared_ptr<VDeviceBackend>> open(
      const VDeviceParams& params, std::span<const std::string> device_ids) const = 0;
};

}  // namespace npu::backend
