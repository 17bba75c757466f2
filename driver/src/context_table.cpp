#include "npu/driver/context_table.hpp"

#include <fmt/format.h>

namespace npu::driver {

void ContextTable::reset(std::uint32_t max_contexts) {
  std::lock_guard lock(mutex_);
  slots_.assign(max_contexts, Slot{});
}

Expected<std::uint32_t> ContextTable::acquire() {
  std::lock_guard lock(mutex_);
  for (std::uint32_t id = 0; id < slots_.size(); ++id) {
    if (!slots_[id].used) {
      slots_[id] = Slot{true, std::nullopt};
      return id;
    }
  }
  return fail(ErrorCode::kBusy,
              fmt::format("all {} device contexts are in use; unload a context (or release a "
                          "model) before loading another",
                          slots_.size()));
}

void ContextTable::set_program(std::uint32_t id, std::uint64_t program_address) {
  std::lock_guard lock(mutex_);
  if (id < slots_.size() && slots_[id].used) slots_[id].program = program_address;
}

std::optional<std::uint64_t> ContextTable::release(std::uint32_t id) {
  std::lock_guard lock(mutex_);
  if (id >= slots_.size() || !slots_[id].used) return std::nullopt;
  auto program = slots_[id].program;
  slots_[id] = Slot{};
  return program;
}

bool ContextTable::in_use(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  return id < slots_.size() && slots_[id].used;
}

std::uint32_t ContextTable::loaded() const {
  std::lock_guard lock(mutex_);
  std::uint32_t n = 0;
  for (const auto& s : slots_) n += s.used ? 1 : 0;
  return n;
}

}  // namespace npu::driver
