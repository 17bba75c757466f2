// The VDevice's scheduler: one queue per configured model, one worker thread per device.
// RoundRobin: among models that are ready (queued frames >= threshold, or the oldest frame has
// waited >= timeout), the highest priority wins; equal priorities take turns in model order.
// None: plain FIFO over all jobs. Jobs are opaque functions, so tests drive it with fakes.
// A model may be pinned to one worker (an LLM session lives on one device); a worker whose device
// was removed is retired: it takes no more jobs, and the queued jobs of models pinned to it are
// dropped with the removal's error.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/vdevice.hpp"

namespace npu::detail {

using ModelId = std::uint32_t;
using Clock = std::chrono::steady_clock;

inline constexpr std::uint8_t kMaxPriority = 31;
inline constexpr std::uint8_t kDefaultPriority = 16;

struct SchedulerModelParams {
  std::uint8_t priority = kDefaultPriority;
  std::uint32_t threshold = 1;
  std::chrono::milliseconds timeout{0};  // 0 = wait for the threshold
};

struct SchedulerJob {
  std::function<void(std::size_t worker)> run;  // on the worker thread of device `worker`
  std::function<void(const Error&)> cancel;     // instead of run, when the job is dropped
};

class Scheduler {
 public:
  Scheduler(SchedulingAlgorithm algorithm, std::size_t workers);
  ~Scheduler();  // drops queued jobs (kAborted) and joins the workers
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  [[nodiscard]] ModelId add_model();
  // Drops the model's queued jobs (cancel with kAborted) and waits for its running ones.
  void remove_model(ModelId id);
  [[nodiscard]] Expected<void> set_params(ModelId id, const SchedulerModelParams& params);
  [[nodiscard]] Expected<void> submit(ModelId id, SchedulerJob job);
  // The model's jobs run only on `worker` from now on (kNotFound / kInvalidArgument; the error
  // `retire_worker` gave when that worker is retired).
  [[nodiscard]] Expected<void> pin(ModelId id, std::size_t worker);
  // Worker `worker` takes no more jobs (its running job finishes); the queued jobs of models
  // pinned to it are cancelled with `why`, and so are later submits to them until they are pinned
  // elsewhere. Jobs of other models go to the remaining workers.
  void retire_worker(std::size_t worker, const Error& why);

  [[nodiscard]] SchedulerStats stats() const;
  [[nodiscard]] SchedulingAlgorithm algorithm() const noexcept { return algorithm_; }

 private:
  struct Queued {
    SchedulerJob job;
    Clock::time_point enqueued;
    std::uint64_t seq;
  };
  struct ModelQueue {
    SchedulerModelParams params;
    std::deque<Queued> jobs;
    std::size_t running = 0;
    std::optional<std::size_t> pinned;  // the only worker that serves it
  };

  void worker_loop(std::size_t worker);
  // Under lock: the model to serve next, or none (then `wake` is when to look again).
  [[nodiscard]] std::map<ModelId, ModelQueue>::iterator pick(std::size_t worker, Clock::time_point now,
                                                             Clock::time_point& wake);
  // Under lock: `q` has jobs `worker` may take.
  [[nodiscard]] static bool servable(const ModelQueue& q, std::size_t worker) noexcept {
    return !q.jobs.empty() && (!q.pinned || *q.pinned == worker);
  }

  const SchedulingAlgorithm algorithm_;
  mutable std::mutex mutex_;
  std::condition_variable work_cv_;  // workers wait for jobs
  std::condition_variable idle_cv_;  // remove_model waits for running jobs
  std::map<ModelId, ModelQueue> models_;
  std::vector<ModelId> last_served_ = std::vector<ModelId>(kMaxPriority + 1, 0);
  std::vector<ModelId> last_on_worker_;
  std::vector<std::optional<Error>> retired_;  // per worker: why it takes no more jobs
  ModelId next_id_ = 1;
  std::uint64_t next_seq_ = 0;
  bool stopping_ = false;
  SchedulerStats stats_;
  std::vector<std::thread> workers_;  // last: started after everything above exists
};

}  // namespace npu::detail
