#include "worker_pool.hpp"

#include <cstdlib>
#include <string>

namespace npu::sim::kernels {

WorkerPool::WorkerPool(std::size_t threads) {
  for (std::size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (auto& t : workers_) t.join();
}

void WorkerPool::run(const std::function<void(std::size_t)>& fn) {
  if (workers_.empty()) {
    fn(0);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    job_ = &fn;
    next_part_ = 1;
    ++generation_;
  }
  start_.notify_all();
  fn(0);
  std::unique_lock lock(mutex_);
  job_ = nullptr;  // a worker that has not picked the job up by now skips it
  done_.wait(lock, [this] { return running_ == 0; });
}

void WorkerPool::loop() {
  std::size_t seen = 0;
  while (true) {
    const std::function<void(std::size_t)>* job;
    std::size_t part;
    {
      std::unique_lock lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      if (!job) continue;
      part = next_part_++;
      ++running_;
    }
    (*job)(part);
    std::lock_guard lock(mutex_);
    if (--running_ == 0) done_.notify_one();
  }
}

WorkerPool& WorkerPool::shared() {
  static WorkerPool pool([] {
    const char* env = std::getenv("NPU_SIM_THREADS");
    long n = env ? std::strtol(env, nullptr, 10) : 1;
    return static_cast<std::size_t>(n < 1 ? 1 : (n > 64 ? 64 : n));
  }());
  return pool;
}

}  // namespace npu::sim::kernels
