// Host-side bookkeeping of loaded contexts: which ids (< max_contexts) are taken and the device
// memory holding each context's program. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::driver {

class ContextTable {
 public:
  // Forget everything and allow ids [0, max_contexts) (after boot or a device reset).
  void reset(std::uint32_t max_contexts);

  // Lowest free id, or kBusy naming the limit.
  [[nodiscard]] Expected<std::uint32_t> acquire();
  // Records the device address of the program of a context acquired before.
  void set_program(std::uint32_t id, std::uint64_t program_address);
  // Frees the id; returns the program address recorded for it, if any.
  std::optional<std::uint64_t> release(std::uint32_t id);

  [[nodiscard]] bool in_use(std::uint32_t id) const;
  [[nodiscard]] std::uint32_t loaded() const;

 private:
  struct Slot {
    bool used = false;
    std::optional<std::uint64_t> program;
  };
  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
};

}  // namespace npu::driver
