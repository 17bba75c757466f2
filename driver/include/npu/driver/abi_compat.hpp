// ABI compatibility, "minimum per feature" (npu_abi/version.hpp): a peer (boot ROM or firmware)
// works with this driver when the ABI majors are equal; each optional feature is used only when the
// peer's minor is at least the minor that introduced it. Never an exact-match check.
#pragma once

#include <cstdint>
#include <string_view>

#include "npu/common/error.hpp"

namespace npu::driver {

// kVersionMismatch unless `peer_abi` has the driver's major and supports every feature the driver
// requires. `peer` names the other side in the message ("firmware image", "device").
[[nodiscard]] Expected<void> check_abi_compatible(std::uint32_t peer_abi, std::string_view peer);

// True when the feature (a name from abi::kFeatures) is usable with a peer speaking `peer_abi`.
// Unknown feature names are never supported.
[[nodiscard]] bool abi_supports(std::uint32_t peer_abi, std::string_view feature) noexcept;

}  // namespace npu::driver
