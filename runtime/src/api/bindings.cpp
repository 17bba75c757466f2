#include "npu/bindings.hpp"

#include <fmt/format.h>

namespace npu {
namespace {

Expected<std::size_t> find_stream(const std::vector<StreamInfo>& streams, std::string_view name,
                                  std::string_view kind) {
  if (name.empty()) {
    if (streams.size() == 1) return std::size_t{0};
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("the model has {} {} streams: name the one to bind", streams.size(), kind));
  }
  std::string known;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (streams[i].name == name) return i;
    known += (i ? ", " : "") + streams[i].name;
  }
  return fail(ErrorCode::kNotFound,
              fmt::format("no {} stream named '{}' (the model has: {})", kind, name, known));
}

Expected<void> check_size(const StreamInfo& info, std::size_t size) {
  if (size != info.size) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("buffer for stream '{}' is {} bytes; it must be exactly {} bytes "
                            "(shape {}, {})", info.name, size, info.size,
                            fmt::join(info.shape, "x"), info.dtype));
  }
  return {};
}

}  // namespace

Bindings::Bindings(std::unique_ptr<BindingsState> state) : state_(std::move(state)) {}
Bindings::Bindings(Bindings&&) noexcept = default;
Bindings& Bindings::operator=(Bindings&&) noexcept = default;
Bindings::~Bindings() = default;

Expected<Bindings::Stream> Bindings::input(std::string_view name) {
  NPU_TRY_ASSIGN(auto i, find_stream(state_->inputs, name, "input"));
  return Stream(state_.get(), i, true);
}

Expected<Bindings::Stream> Bindings::output(std::string_view name) {
  NPU_TRY_ASSIGN(auto i, find_stream(state_->outputs, name, "output"));
  return Stream(state_.get(), i, false);
}

Expected<void> Bindings::validate() const {
  for (std::size_t i = 0; i < state_->inputs.size(); ++i) {
    if (state_->input_buffers[i].data() == nullptr) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("input stream '{}' has no buffer: call set_buffer() first", state_->inputs[i].name));
    }
  }
  for (std::size_t i = 0; i < state_->outputs.size(); ++i) {
    if (state_->output_buffers[i].data() == nullptr) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("output stream '{}' has no buffer: call set_buffer() first", state_->outputs[i].name));
    }
  }
  return {};
}

const StreamInfo& Bindings::Stream::info() const noexcept {
  return input_ ? state_->inputs[index_] : state_->outputs[index_];
}

Expected<void> Bindings::Stream::set_buffer(std::span<std::byte> buffer) {
  NPU_TRY(check_size(info(), buffer.size()));
  if (input_) state_->input_buffers[index_] = buffer;
  else state_->output_buffers[index_] = buffer;
  return {};
}

Expected<void> Bindings::Stream::set_buffer(std::span<const std::byte> buffer) {
  if (!input_) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("output stream '{}' needs a writable buffer", info().name));
  }
  NPU_TRY(check_size(info(), buffer.size()));
  state_->input_buffers[index_] = buffer;
  return {};
}

}  // namespace npu
