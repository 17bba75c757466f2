// A model configured through npud. Tensors go through a shared-memory region with one slot per
// job in flight: run() copies the inputs into a free slot, npud runs the model on the slot in
// place and the outputs are copied back to the caller's buffers when the reply arrives. Only a
// few bytes of JSON per run cross the socket.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/configured_model_backend.hpp"
#include "npk/model_package.hpp"
#include "npu/common/unique_fd.hpp"
#include "remote/remote_vdevice.hpp"
#include "wire/shared_memory.hpp"
#include "wire/slot_layout.hpp"

namespace npu::remote {

// What create_infer_model keeps for configure(): the daemon and the opened .npk file.
struct RemoteModelSource {
  std::shared_ptr<RemoteVDevice> vdevice;
  UniqueFd npk;
  std::string path;
};

class RemoteConfiguredModel final : public backend::ConfiguredModelBackend {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<RemoteConfiguredModel>> create(
      const RemoteModelSource& source, std::shared_ptr<const detail::ModelPackage> package);
  ~RemoteConfiguredModel() override;  // releases the model in npud and waits for replies in flight
  RemoteConfiguredModel(const RemoteConfiguredModel&) = delete;
  RemoteConfiguredModel& operator=(const RemoteConfiguredModel&) = delete;

  [[nodiscard]] const std::string& name() const noexcept override { return package_->name; }
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept override { return package_->inputs; }
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept override { return package_->outputs; }
  [[nodiscard]] Expected<RunInfo> run(const BindingsState& buffers, std::chrono::milliseconds timeout) override;
  [[nodiscard]] Expected<void> run_async(std::shared_ptr<AsyncJobState> state) override;
  [[nodiscard]] Expected<void> wait_for_async_ready(std::chrono::milliseconds timeout, std::uint32_t frames) override;
  [[nodiscard]] std::uint32_t async_queue_size() const noexcept override { return layout_.slots; }
  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority) override {
    return set_scheduler({{"priority", priority}});
  }
  [[nodiscard]] Expected<void> set_scheduler_threshold(std::uint32_t threshold) override {
    return set_scheduler({{"threshold", threshold}});
  }
  [[nodiscard]] Expected<void> set_scheduler_timeout(std::chrono::milliseconds timeout) override {
    return set_scheduler({{"timeout_ms", timeout.count()}});
  }

 private:
  RemoteConfiguredModel(std::shared_ptr<RemoteVDevice> vdevice, std::shared_ptr<const detail::ModelPackage> package,
                        npud::SlotLayout layout, npud::SharedMemory shm)
      : vdevice_(std::move(vdevice)), package_(std::move(package)), layout_(std::move(layout)), shm_(std::move(shm)),
        free_(layout_.slots, true) {}
  [[nodiscard]] Expected<void> set_scheduler(const nlohmann::json& knobs);
  [[nodiscard]] Expected<std::uint32_t> acquire_slot();
  void release_slot(std::uint32_t slot);
  void copy_in(std::uint32_t slot, const BindingsState& buffers);
  void copy_out(std::uint32_t slot, const BindingsState& buffers);

  std::shared_ptr<RemoteVDevice> vdevice_;
  std::shared_ptr<const detail::ModelPackage> package_;
  npud::SlotLayout layout_;
  npud::SharedMemory shm_;
  std::uint64_t model_id_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<bool> free_;
  std::uint32_t in_flight_ = 0;
};

}  // namespace npu::remote
