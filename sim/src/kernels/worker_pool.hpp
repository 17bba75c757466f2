// A small persistent pool of host threads for the simulator's large kernels: the calling thread
// takes part 0 and workers the rest, so a run with one thread has no synchronisation at all.
// The thread count comes from NPU_SIM_THREADS (default 1; the simulated device then uses one host
// core, as a benchmark against a single-threaded CPU engine expects).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace npu::sim::kernels {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] std::size_t threads() const noexcept { return workers_.size() + 1; }
  // Calls fn(part) for part = 0 .. threads()-1, part 0 on the caller; returns when all are done.
  // Not reentrant: one run at a time (the control core is single-threaded).
  void run(const std::function<void(std::size_t)>& fn);

  // The process-wide pool sized from NPU_SIM_THREADS (clamped to 1..64).
  [[nodiscard]] static WorkerPool& shared();

 private:
  void loop(std::size_t part);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t generation_ = 0, pending_ = 0;
  bool stop_ = false;
};

}  // namespace npu::sim::kernels
