// What npud holds for one client: configured models with their shared-memory tensors, LLM
// sessions and running generations. Everything is freed when the client's connection closes.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "shared_llms.hpp"
#include "wire/shared_memory.hpp"
#include "wire/slot_layout.hpp"

namespace npu::npud {

// Which run slots of a model are in use; shared with run callbacks, which must not hold the model.
struct SlotBusy {
  std::mutex mutex;
  std::vector<bool> busy;
  // Claims `slot` for a run; false if it is out of range or already running.
  [[nodiscard]] bool claim(std::uint32_t slot) {
    std::lock_guard lock(mutex);
    if (slot >= busy.size() || busy[slot]) return false;
    busy[slot] = true;
    return true;
  }
  void release(std::uint32_t slot) {
    std::lock_guard lock(mutex);
    busy[slot] = false;
  }
};

// Members in destruction order from the bottom: slot bindings, then the model (which drops its
// queued jobs and waits for running ones), then the shared memory they pointed into.
struct DaemonModel {
  SharedMemory shm;
  SlotLayout layout;
  std::string path;
  std::shared_ptr<SlotBusy> slot_busy = std::make_shared<SlotBusy>();
  std::optional<ConfiguredInferModel> configured;
  std::vector<Bindings> slots;

  DaemonModel(SharedMemory memory, SlotLayout l) : shm(std::move(memory)), layout(std::move(l)) {
    slot_busy->busy.resize(layout.slots);
  }
  ~DaemonModel() {
    slots.clear();
    configured.reset();
  }
};

// One generation: its pump thread reads the Generator and forwards its events to the client,
// tagged with the stream id the client chose; the session stays alive until the pump ends.
struct DaemonGeneration {
  std::uint64_t stream = 0;
  std::uint64_t session_id = 0;
  std::shared_ptr<DaemonLlm> session;
  std::optional<genai::Generator> generator;
  std::atomic<bool> abort{false};
};

struct ClientResources {
  std::map<std::uint64_t, std::shared_ptr<DaemonModel>> models;
  std::map<std::uint64_t, std::shared_ptr<DaemonLlm>> sessions;
  std::map<std::uint64_t, std::shared_ptr<DaemonGeneration>> generations;  // by stream id
};

}  // namespace npu::npud
