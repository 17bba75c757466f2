#include "local/llm/llm_session_core.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "npu/common/log.hpp"
#include "npu_abi/program.hpp"

namespace npu::genai::detail {
namespace {

// Set-ups of a session's resources on one device that a device reset may start over.
constexpr int kSetUpAttempts = 3;

// The rendezvous of one synchronous job: the caller waits until the worker ran it or the
// scheduler dropped it. Lives on the caller's stack; the job captures only its address. finish()
// notifies while it holds the mutex: the caller cannot see `done`, return and destroy the
// rendezvous until the worker has let go of it (notifying after unlocking touched a condition
// variable that may already be gone).
struct Rendezvous {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::optional<Error> dropped;
  void finish() {
    std::lock_guard lock(mutex);
    done = true;
    cv.notify_all();
  }
};

}  // namespace

LlmSessionCore::LlmSessionCore(std::shared_ptr<LlmModelCore> model)
    : model_(std::move(model)), per_device_(model_->vdevice().drivers().size()),
      token_rows_(std::max(model_->package().prefill_chunk, 1u), 0),
      logits_(model_->package().vocab, 0.0f) {}

Expected<std::unique_ptr<LlmSessionCore>> LlmSessionCore::create(std::shared_ptr<LlmModelCore> model) {
  std::unique_ptr<LlmSessionCore> core(new LlmSessionCore(std::move(model)));
  // Set up on a device now so that a session that cannot fit fails here, not mid-generation.
  auto& vdevice = core->model_->vdevice();
  core->scheduler_id_ = vdevice.scheduler().add_model();
  NPU_TRY(core->place(vdevice.usable_by_free_memory()));
  return core;
}

Expected<void> LlmSessionCore::place(std::span<const std::size_t> devices) {
  std::optional<Error> first_error;
  std::string tried;
  for (std::size_t d : devices) {
    // On the device's own worker, between the steps of the sessions already there: a fault of
    // this set-up then resets the device under nobody else's half-done step.
    auto made = model_->vdevice().scheduler().pin(scheduler_id_, d);
    if (made) {
      device_ = d;
      made = on_device([&](std::size_t) -> Expected<void> {
        auto& drv = model_->driver(d);
        auto generation = drv.generation();
        auto res = resources_on(d);
        // A reset under the set-up (one of its own operations failed) leaves the device
        // working: set up again on the re-booted device.
        for (int again = 0; !res && drv.generation() != generation && again < kSetUpAttempts; ++again) {
          generation = drv.generation();
          res = resources_on(d);
        }
        if (!res) return fail(res.error());
        return {};
      });
    }
    if (made) return {};
    tried += fmt::format("{}{}", tried.empty() ? "" : ", ", model_->driver(d).identity().info.id);
    if (!first_error) first_error = made.error();
    if (made.error().code() != ErrorCode::kOutOfMemory) break;  // not a matter of room: say why
  }
  if (!first_error) return fail(ErrorCode::kDeviceLost, "the VDevice has no usable device left");
  if (first_error->code() != ErrorCode::kOutOfMemory) return fail(*first_error);
  return fail(ErrorCode::kOutOfMemory,
              fmt::format("no room for a session of model '{}' on {} ({}): close other sessions or models "
                          "there, or use a model compiled for a shorter --context",
                          package().name, tried, first_error->message()));
}

Expected<DeviceMove> LlmSessionCore::move_off_removed_device(const Error& cause) {
  auto& vdevice = model_->vdevice();
  (void)vdevice.drop_removed_devices();
  const std::size_t from = device_;
  if (vdevice.usable(from)) return fail(cause);  // still in the set: the last device, or not gone
  const auto others = vdevice.usable_by_free_memory();
  home_.reset();  // the state went with the device
  per_device_[from].reset();
  if (auto placed = place(others); !placed) {
    return fail(placed.error().with_context(fmt::format("device {} was removed and this session could not move",
                                                        model_->driver(from).identity().info.id)));
  }
  return DeviceMove{from, device_};
}

LlmSessionCore::~LlmSessionCore() {
  if (scheduler_id_ != 0) model_->vdevice().scheduler().remove_model(scheduler_id_);
  per_device_.clear();
}

template <class Fn>
auto LlmSessionCore::on_device(Fn&& fn) -> decltype(fn(std::size_t{})) {
  using Result = decltype(fn(std::size_t{}));
  struct Call {
    Rendezvous rv;
    Fn* fn;
    std::optional<Result> result;
  } call{{}, &fn, std::nullopt};
  npu::detail::SchedulerJob job;
  job.run = [c = &call](std::size_t worker) {
    c->result.emplace((*c->fn)(worker));
    c->rv.finish();
  };
  job.cancel = [c = &call](const Error& error) {
    c->rv.dropped = error;
    c->rv.finish();
  };
  NPU_TRY(model_->vdevice().scheduler().submit(scheduler_id_, std::move(job)));
  std::unique_lock lock(call.rv.mutex);
  call.rv.cv.wait(lock, [&] { return call.rv.done; });
  if (call.rv.dropped) return fail(*call.rv.dropped);
  return std::move(*call.result);
}

Expected<LlmDeviceSession*> LlmSessionCore::resources_on(std::size_t device) {
  auto& slot = per_device_.at(device);
  if (home_ && (*home_ != device || !slot || !slot->valid())) {
    home_.reset();
    slot.reset();
    return fail(ErrorCode::kDeviceError,
                "the device was reset and this session's context is lost: clear() the session (or "
                "load() a saved context) and generate again");
  }
  if (!slot || !slot->valid()) {
    slot.reset();
    NPU_TRY_ASSIGN(slot, LlmDeviceSession::create(*model_, device));
  }
  return slot.get();
}

Expected<StepResult> LlmSessionCore::execute(std::size_t device, const StepRequest& request) {
  const auto& pkg = package();
  const std::uint32_t rows = request.subnet == Subnet::kPrefill ? pkg.prefill_chunk : 1;
  const auto n = static_cast<std::uint32_t>(request.tokens.size());
  if (n == 0 || n > rows) {
    return fail(ErrorCode::kInternal, fmt::format("LLM step with {} tokens for a {}-row subnet", n, rows));
  }
  if (std::uint64_t{request.position} + n > pkg.context_length) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("positions {}..{} exceed the model's {}-token context", request.position,
                            request.position + n - 1, pkg.context_length));
  }
  StepResult result;
  result.timing.device = device;
  NPU_TRY_ASSIGN(auto* res, resources_on(device));
  home_ = device;
  auto& drv = model_->driver(device);
  const std::uint64_t io = res->base(abi::Segment::kIo);
  auto start = std::chrono::steady_clock::now();
  // Pad the chunk with token 0: rows past kParamTokens are not computed but stay valid ids.
  std::copy(request.tokens.begin(), request.tokens.end(), token_rows_.begin());
  std::fill(token_rows_.begin() + n, token_rows_.begin() + rows, 0);
  NPU_TRY(drv.write(io + pkg.tokens.offset, std::as_bytes(std::span(token_rows_).first(rows))));
  driver::RunParams params;
  params.timing_only = request.timing_only;
  params.params[abi::kParamPosition] = static_cast<std::int32_t>(request.position);
  params.params[abi::kParamTokens] = static_cast<std::int32_t>(n);
  auto run = drv.run(res->context(request.subnet), params);
  if (!run) {
    home_.reset();  // a failed run leaves the state undefined
    return fail(run.error());
  }
  if (request.readback == Readback::kNextToken || request.readback == Readback::kBoth) {
    NPU_TRY(drv.read(io + pkg.next_token.offset,
                     std::as_writable_bytes(std::span(&result.next_token, 1))));
  }
  if (request.readback == Readback::kLogits || request.readback == Readback::kBoth) {
    NPU_TRY(drv.read(io + pkg.logits.offset, std::as_writable_bytes(std::span(logits_))));
  }
  auto& t = result.timing;
  t.host_time = std::chrono::steady_clock::now() - start;
  t.device_cycles = run->end_cycle - run->start_cycle;
  t.compute_cycles = run->compute_cycles;
  t.dma_cycles = run->dma_cycles;
  t.ddr_bytes = run->ddr_bytes;
  t.energy_j = run->energy_j;
  t.device_time = cycles_to_time(t.device_cycles, drv.identity().clock_khz);
  return result;
}

Expected<StepResult> LlmSessionCore::step(const StepRequest& request) {
  const auto submitted = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point started;
  auto r = on_device([&](std::size_t device) {
    started = std::chrono::steady_clock::now();
    return execute(device, request);
  });
  if (r) r->timing.queue_time = started - submitted;
  return r;
}

Expected<std::vector<std::byte>> LlmSessionCore::read_state() {
  const std::uint64_t bytes = package().segment(abi::Segment::kState);
  std::vector<std::byte> state(bytes);
  if (!home_) return state;  // nothing run yet (or cleared): an empty context is all zeros
  const std::size_t home = *home_;
  NPU_TRY(on_device([&](std::size_t) -> Expected<void> {
    // Read from the device that holds it, whichever worker runs this job.
    if (!home_ || !per_device_[home] || !per_device_[home]->valid()) {
      return fail(ErrorCode::kDeviceError, "the device holding this session's context was reset; the context is lost");
    }
    return model_->driver(home).read(per_device_[home]->base(abi::Segment::kState), state);
  }));
  return state;
}

Expected<void> LlmSessionCore::write_state(std::span<const std::byte> state) {
  if (state.size() != package().segment(abi::Segment::kState)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("context state has {} bytes, this model's state segment has {}", state.size(),
                            package().segment(abi::Segment::kState)));
  }
  return on_device([&](std::size_t device) -> Expected<void> {
    home_.reset();  // whatever was there is replaced
    NPU_TRY_ASSIGN(auto* res, resources_on(device));
    NPU_TRY(model_->driver(device).write(res->base(abi::Segment::kState), state));
    home_ = device;
    return {};
  });
}

Expected<std::vector<std::byte>> LlmSessionCore::read_state_ranges(std::span<const StateRange> ranges) {
  std::uint64_t total = 0;
  for (const StateRange& r : ranges) total += r.bytes;
  std::vector<std::byte> out(total);
  if (total == 0) return out;
  if (!home_) return fail(ErrorCode::kDeviceError, "this session's context is on no device (reset or never run)");
  const std::size_t home = *home_;
  auto read = on_device([&](std::size_t) -> Expected<void> {
    if (!home_ || !per_device_[home] || !per_device_[home]->valid()) {
      return fail(ErrorCode::kDeviceError, "the device holding this session's context was reset; the context is lost");
    }
    const std::uint64_t base = per_device_[home]->base(abi::Segment::kState);
    std::size_t at = 0;
    for (const StateRange& r : ranges) {
      NPU_TRY(model_->driver(home).read(base + r.offset, std::span(out).subspan(at, r.bytes)));
      at += r.bytes;
    }
    return {};
  });
  if (!read) return fail(read.error());
  return out;
}

Expected<void> LlmSessionCore::write_state_ranges(std::span<const StateRange> ranges, std::span<const std::byte> bytes) {
  std::uint64_t total = 0;
  for (const StateRange& r : ranges) total += r.bytes;
  if (total != bytes.size()) {
    return fail(ErrorCode::kInternal, fmt::format("{} bytes for state ranges of {} bytes", bytes.size(), total));
  }
  return on_device([&](std::size_t) -> Expected<void> {
    if (!home_ || !per_device_[*home_] || !per_device_[*home_]->valid()) {
      home_.reset();
      return fail(ErrorCode::kDeviceError, "this session's context is no longer on a device (reset or cleared)");
    }
    const std::size_t home = *home_;
    const std::uint64_t base = per_device_[home]->base(abi::Segment::kState);
    std::size_t at = 0;
    for (const StateRange& r : ranges) {
      auto written = model_->driver(home).write(base + r.offset, bytes.subspan(at, r.bytes));
      if (!written) {
        home_.reset();  // partly written: the state is undefined
        return fail(written.error());
      }
      at += r.bytes;
    }
    return {};
  });
}

std::vector<std::pair<std::uint32_t, std::string>> LlmSessionCore::context_names(std::size_t device) const {
  std::vector<std::pair<std::uint32_t, std::string>> out;
  if (device >= per_device_.size() || !per_device_[device] || !per_device_[device]->valid()) return out;
  out.emplace_back(per_device_[device]->context(Subnet::kPrefill).id, "prefill");
  out.emplace_back(per_device_[device]->context(Subnet::kTbt).id, "tbt");
  return out;
}

Expected<void> LlmSessionCore::set_priority(std::uint8_t priority) {
  npu::detail::SchedulerModelParams p;
  p.priority = priority;
  return model_->vdevice().scheduler().set_params(scheduler_id_, p);
}

}  // namespace npu::genai::detail
