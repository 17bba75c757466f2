// The table of DeviceProfile fields as they appear in profile files: name, member, and the range
// a sane value must fall in. One table drives parsing, validation and error messages.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "npu/sim/device_profile.hpp"

namespace npu::sim::detail {

using FieldMember = std::variant<double DeviceProfile::*, std::uint64_t DeviceProfile::*,
                                 std::uint32_t DeviceProfile::*, std::string DeviceProfile::*>;

struct ProfileField {
  std::string_view name;
  FieldMember member;
  double min;  // inclusive bounds for numbers (ignored for strings)
  double max;
};

[[nodiscard]] std::span<const ProfileField> profile_fields() noexcept;

}  // namespace npu::sim::detail
