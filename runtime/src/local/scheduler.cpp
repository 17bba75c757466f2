#include "local/scheduler.hpp"

#include <fmt/format.h>

namespace npu::detail {

Scheduler::Scheduler(SchedulingAlgorithm algorithm, std::size_t workers)
    : algorithm_(algorithm), last_on_worker_(workers, 0), retired_(workers) {
  for (std::size_t w = 0; w < workers; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

Scheduler::~Scheduler() {
  std::vector<SchedulerJob> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, q] : models_) {
      for (auto& item : q.jobs) dropped.push_back(std::move(item.job));
      stats_.aborted += q.jobs.size();
      q.jobs.clear();
    }
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
  Error aborted(ErrorCode::kAborted, "the VDevice was destroyed before the job ran");
  for (auto& job : dropped) {
    if (job.cancel) job.cancel(aborted);
  }
}

ModelId Scheduler::add_model() {
  std::lock_guard lock(mutex_);
  ModelId id = next_id_++;
  models_.emplace(id, ModelQueue{});
  return id;
}

void Scheduler::remove_model(ModelId id) {
  std::deque<Queued> dropped;
  {
    std::unique_lock lock(mutex_);
    auto it = models_.find(id);
    if (it == models_.end()) return;
    dropped.swap(it->second.jobs);
    stats_.aborted += dropped.size();
    idle_cv_.wait(lock, [&] { return it->second.running == 0; });
    models_.erase(it);
  }
  Error aborted(ErrorCode::kAborted, "the configured model was destroyed before the job ran");
  for (auto& item : dropped) {
    if (item.job.cancel) item.job.cancel(aborted);
  }
}

Expected<void> Scheduler::set_params(ModelId id, const SchedulerModelParams& params) {
  if (algorithm_ == SchedulingAlgorithm::kNone) {
    return fail(ErrorCode::kUnsupported,
                "scheduler settings need scheduling_algorithm RoundRobin (this VDevice uses None)");
  }
  if (params.priority > kMaxPriority) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("scheduler priority {} is out of range 0..{}", params.priority, kMaxPriority));
  }
  if (params.threshold == 0) {
    return fail(ErrorCode::kInvalidArgument, "scheduler threshold must be at least 1 frame");
  }
  if (params.timeout.count() < 0) {
    return fail(ErrorCode::kInvalidArgument, "scheduler timeout must not be negative");
  }
  {
    std::lock_guard lock(mutex_);
    auto it = models_.find(id);
    if (it == models_.end()) return fail(ErrorCode::kNotFound, "model is not registered with the scheduler");
    it->second.params = params;
  }
  work_cv_.notify_all();
  return {};
}

Expected<void> Scheduler::submit(ModelId id, SchedulerJob job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return fail(ErrorCode::kAborted, "the VDevice is shutting down");
    auto it = models_.find(id);
    if (it == models_.end()) return fail(ErrorCode::kNotFound, "model is not registered with the scheduler");
    if (it->second.pinned && retired_[*it->second.pinned]) return fail(*retired_[*it->second.pinned]);
    it->second.jobs.push_back(Queued{std::move(job), Clock::now(), next_seq_++});
  }
  work_cv_.notify_all();
  return {};
}

Expected<void> Scheduler::pin(ModelId id, std::size_t worker) {
  {
    std::lock_guard lock(mutex_);
    if (worker >= retired_.size()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("device {} is not in this VDevice (it has {})", worker, retired_.size()));
    }
    if (retired_[worker]) return fail(*retired_[worker]);
    auto it = models_.find(id);
    if (it == models_.end()) return fail(ErrorCode::kNotFound, "model is not registered with the scheduler");
    it->second.pinned = worker;
  }
  work_cv_.notify_all();
  return {};
}

void Scheduler::retire_worker(std::size_t worker, const Error& why) {
  std::vector<SchedulerJob> dropped;
  {
    std::lock_guard lock(mutex_);
    if (worker >= retired_.size() || retired_[worker]) return;
    retired_[worker] = why;
    for (auto& [id, q] : models_) {
      if (!q.pinned || *q.pinned != worker) continue;
      for (auto& item : q.jobs) dropped.push_back(std::move(item.job));
      stats_.aborted += q.jobs.size();
      q.jobs.clear();
    }
  }
  work_cv_.notify_all();
  for (auto& job : dropped) {
    if (job.cancel) job.cancel(why);
  }
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::map<ModelId, Scheduler::ModelQueue>::iterator Scheduler::pick(std::size_t worker, Clock::time_point now,
                                                                    Clock::time_point& wake) {
  wake = Clock::time_point::max();
  if (algorithm_ == SchedulingAlgorithm::kNone) {  // FIFO: the oldest job of any model
    auto best = models_.end();
    for (auto it = models_.begin(); it != models_.end(); ++it) {
      if (servable(it->second, worker) &&
          (best == models_.end() || it->second.jobs.front().seq < best->second.jobs.front().seq)) {
        best = it;
      }
    }
    return best;
  }
  // Ready models of the highest priority; round-robin after the one served last at that level.
  int best_priority = -1;
  for (auto& [id, q] : models_) {
    if (!servable(q, worker)) continue;
    bool ready = q.jobs.size() >= q.params.threshold;
    if (!ready && q.params.timeout.count() > 0) {
      auto due = q.jobs.front().enqueued + q.params.timeout;
      if (now >= due) ready = true;
      else wake = std::min(wake, due);
    }
    if (ready) best_priority = std::max<int>(best_priority, q.params.priority);
  }
  if (best_priority < 0) return models_.end();
  auto is_candidate = [&](const ModelQueue& q) {
    return servable(q, worker) && q.params.priority == best_priority &&
           (q.jobs.size() >= q.params.threshold ||
            (q.params.timeout.count() > 0 && now >= q.jobs.front().enqueued + q.params.timeout));
  };
  ModelId last = last_served_[static_cast<std::size_t>(best_priority)];
  auto first = models_.end();
  for (auto it = models_.begin(); it != models_.end(); ++it) {
    if (!is_candidate(it->second)) continue;
    if (it->first > last) return it;
    if (first == models_.end()) first = it;
  }
  return first;
}

void Scheduler::worker_loop(std::size_t worker) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (stopping_ || retired_[worker]) return;
    Clock::time_point wake;
    auto it = pick(worker, Clock::now(), wake);
    if (it == models_.end()) {
      if (wake == Clock::time_point::max()) work_cv_.wait(lock);
      else work_cv_.wait_until(lock, wake);
      continue;
    }
    ModelId id = it->first;
    ModelQueue& q = it->second;
    Queued item = std::move(q.jobs.front());
    q.jobs.pop_front();
    ++q.running;
    last_served_[q.params.priority] = id;
    if (last_on_worker_[worker] != 0 && last_on_worker_[worker] != id) ++stats_.model_switches;
    last_on_worker_[worker] = id;
    ++stats_.runs;
    lock.unlock();
    item.job.run(worker);
    lock.lock();
    // `it` may not be used: remove_model() waits for running == 0 before erasing, so the entry
    // is still there, but look it up again to be plain about it.
    auto again = models_.find(id);
    if (again != models_.end() && --again->second.running == 0) idle_cv_.notify_all();
  }
}

}  // namespace npu::detail
