// Bindings: the host buffers of one run, one per input and output stream. Buffers are the
// caller's memory (no copy); they must stay alive until the run (or async job) completes.
//
//   NPU_TRY_ASSIGN(auto bindings, configured.create_bindings());
//   NPU_TRY_ASSIGN(auto in, bindings.input("input"));
//   NPU_TRY(in.set_buffer(std::as_bytes(std::span(input_data))));
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/stream_info.hpp"

namespace npu {

struct BindingsState;

class Bindings {
 public:
  // A handle to one stream's binding; valid while its Bindings lives (moves included).
  class Stream {
   public:
    // The buffer must be exactly info().size bytes. Inputs accept read-only memory.
    [[nodiscard]] Expected<void> set_buffer(std::span<std::byte> buffer);
    [[nodiscard]] Expected<void> set_buffer(std::span<const std::byte> buffer);
    [[nodiscard]] const StreamInfo& info() const noexcept;
    [[nodiscard]] bool is_input() const noexcept { return input_; }

   private:
    friend class Bindings;
    Stream(BindingsState* state, std::size_t index, bool input)
        : state_(state), index_(index), input_(input) {}
    BindingsState* state_;
    std::size_t index_;
    bool input_;
  };

  explicit Bindings(std::unique_ptr<BindingsState> state);
  Bindings(Bindings&&) noexcept;
  Bindings& operator=(Bindings&&) noexcept;
  ~Bindings();

  // By name; an empty name selects the only stream (error if the model has several).
  [[nodiscard]] Expected<Stream> input(std::string_view name = {});
  [[nodiscard]] Expected<Stream> output(std::string_view name = {});

  // Every stream has a buffer (kInvalidArgument naming the first that does not).
  [[nodiscard]] Expected<void> validate() const;
  [[nodiscard]] const BindingsState& state() const noexcept { return *state_; }

 private:
  std::unique_ptr<BindingsState> state_;
};

// The buffers themselves (read by the runtime when a run starts).
struct BindingsState {
  std::vector<StreamInfo> inputs, outputs;
  std::vector<std::span<const std::byte>> input_buffers;
  std::vector<std::span<std::byte>> output_buffers;
};

}  // namespace npu
