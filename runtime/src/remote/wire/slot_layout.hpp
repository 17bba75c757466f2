// Where a model's tensors sit in its shared-memory region: `slots` run slots (one per job that may
// be in flight), each holding every input then every output, each tensor aligned to
// kTensorAlignment. Client and daemon both compute it from the model's stream sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace npu::npud {

inline constexpr std::size_t kTensorAlignment = 64;
inline constexpr std::uint32_t kMaxSlots = 64;

struct SlotLayout {
  std::vector<std::size_t> input_offsets, output_offsets;  // within a slot
  std::vector<std::size_t> input_sizes, output_sizes;
  std::size_t slot_bytes = 0;
  std::uint32_t slots = 0;

  [[nodiscard]] std::size_t total_bytes() const noexcept { return slot_bytes * slots; }
  [[nodiscard]] std::size_t input_at(std::uint32_t slot, std::size_t i) const noexcept {
    return slot * slot_bytes + input_offsets[i];
  }
  [[nodiscard]] std::size_t output_at(std::uint32_t slot, std::size_t i) const noexcept {
    return slot * slot_bytes + output_offsets[i];
  }
};

inline SlotLayout make_slot_layout(const std::vector<std::size_t>& inputs, const std::vector<std::size_t>& outputs,
                                   std::uint32_t slots) {
  auto align = [](std::size_t v) { return (v + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment; };
  SlotLayout l;
  l.slots = slots;
  l.input_sizes = inputs;
  l.output_sizes = outputs;
  std::size_t at = 0;
  for (auto s : inputs) {
    l.input_offsets.push_back(at);
    at = align(at + s);
  }
  for (auto s : outputs) {
    l.output_offsets.push_back(at);
    at = align(at + s);
  }
  l.slot_bytes = at == 0 ? kTensorAlignment : at;
  return l;
}

}  // namespace npu::npud
