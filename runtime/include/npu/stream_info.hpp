// What a model's input or output stream looks like (from the .npk metadata).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npu {

struct StreamInfo {
  std::string name;
  std::vector<std::uint32_t> shape;  // e.g. [batch, features]
  std::string dtype;                 // "int8"
  float scale = 1.0f;                // real value = (q - zero_point) * scale
  std::int32_t zero_point = 0;
  std::uint64_t size = 0;            // bytes of one run's buffer
  std::uint64_t io_offset = 0;       // where it sits in the model's io segment on the device
};

}  // namespace npu
