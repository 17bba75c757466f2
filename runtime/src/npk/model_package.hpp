// An opened .npk as the runtime needs it: validated container, parsed metadata (streams,
// segments, subnets), the program and weights bytes (views into the mapping).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/npk_reader.hpp"
#include "npu/stream_info.hpp"
#include "npu_abi/mailbox.hpp"

namespace npu::detail {

class ModelPackage {
 public:
  [[nodiscard]] static Expected<std::shared_ptr<const ModelPackage>> open(
      const std::filesystem::path& path);

  std::string name;
  std::uint32_t batch_size = 1;
  std::vector<StreamInfo> inputs, outputs;
  std::array<std::uint64_t, static_cast<std::size_t>(abi::Segment::kCount)> segment_bytes{};
  std::string subnet;                       // the subnet InferModel runs ("main")
  std::span<const std::byte> program;       // its context program
  std::span<const std::byte> weights;       // the weights segment image
  std::string_view metadata;

 private:
  explicit ModelPackage(npk::NpkFile file) : file_(std::move(file)) {}
  [[nodiscard]] Expected<void> parse();
  npk::NpkFile file_;
};

}  // namespace npu::detail
