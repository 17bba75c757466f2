#include "npu/driver/abi_compat.hpp"

#include <fmt/format.h>

#include "npu/driver/error_text.hpp"
#include "npu_abi/version.hpp"

namespace npu::driver {

bool abi_supports(std::uint32_t peer_abi, std::string_view feature) noexcept {
  if (abi::abi_major(peer_abi) != abi::kAbiMajor) return false;
  for (const auto& f : abi::kFeatures) {
    if (feature == f.name) return abi::abi_minor(peer_abi) >= f.min_minor;
  }
  return false;
}

Expected<void> check_abi_compatible(std::uint32_t peer_abi, std::string_view peer) {
  const auto major = abi::abi_major(peer_abi);
  if (major != abi::kAbiMajor) {
    const std::string fix =
        major > abi::kAbiMajor
            ? fmt::format("install the npustack firmware matching this driver, or update npustack "
                          "to a release that speaks ABI {}",
                          major)
            : std::string("install the npustack firmware matching this driver");
    return fail(ErrorCode::kVersionMismatch,
                fmt::format("{} speaks {}, which does not match this driver's ABI {}.x: {}", peer,
                            abi_version_text(peer_abi), abi::kAbiMajor, fix));
  }
  // Every required feature in the table is one the driver relies on; a peer older than such a
  // feature's minor cannot serve this driver. Optional ones are checked where they are used.
  for (const auto& f : abi::kFeatures) {
    if (f.required && abi::abi_minor(peer_abi) < f.min_minor) {
      return fail(ErrorCode::kVersionMismatch,
                  fmt::format("{} speaks {}, which lacks feature '{}' (needs ABI {}.{} or newer): "
                              "install newer npustack firmware",
                              peer, abi_version_text(peer_abi), f.name, abi::kAbiMajor,
                              f.min_minor));
    }
  }
  return {};
}

}  // namespace npu::driver
