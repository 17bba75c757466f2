// The composition root: the backends this build has, in preference order (the first usable real
// accelerator of the first backend wins the default choice). The only file that knows them all.
#include "backend/registry.hpp"
#include "local/local_backend.hpp"
#include "remote/remote_backend.hpp"
#if NPU_HAVE_HAILORT
#include "hailort/hailort_backend.hpp"
#endif

namespace npu::backend {

std::vector<std::shared_ptr<Backend>> built_in_backends() {
  std::vector<std::shared_ptr<Backend>> all{local::make_backend(), remote::make_backend()};
#if NPU_HAVE_HAILORT
  all.push_back(hailort::make_backend());
#endif
  return all;
}

}  // namespace npu::backend
