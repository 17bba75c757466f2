// A small persistent pool of host threads for the simulator's large kernels: the calling thread
// takes part 0 and workers the rest, so a run with one thread has no synchronisation at all.
// Workers join a run only while part 0 is still working: on a loaded machine a worker that is
// not scheduled in time is simply not waited for, so jobs share their work dynamically (an
// atomic counter over chunks), never by a fixed split per part.
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
  // Calls fn(0) on the caller and fn(part), part = 1 .. threads()-1 (each at most once), on the
  // workers that pick the job up before fn(0) returns; returns when every started call is done.
  // Not reentrant: one run at a time (the control core is single-threaded).
  void run(const std::function<void(std::size_t)>& fn);

  // The process-wide pool sized from NPU_SIM_THREADS (clamped to 1..64).
  [[nodiscard]] static WorkerPool& shared();

 private:
  void loop();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t generation_ = 0, next_part_ = 1, running_ = 0;
  bool stop_ = false;
};

}  // namespace npu::sim::kernels
