// The scheduler with fake jobs: priority, round-robin order, threshold and timeout, FIFO for
// algorithm None, and dropping jobs of a removed model.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

#include "local/scheduler.hpp"

using namespace npu;
using namespace npu::detail;
using namespace std::chrono_literals;

namespace {

// Records the order jobs run in; a gate job blocks the single worker while the test queues work.
// Both are declared before the Scheduler in each test: the scheduler's destructor cancels the jobs
// still queued, which calls back into them.
struct Recorder {
  std::mutex mutex;
  std::vector<int> order;
  std::vector<ErrorCode> cancelled;

  SchedulerJob job(int tag) {
    return SchedulerJob{[this, tag](std::size_t) {
                          std::lock_guard lock(mutex);
                          order.push_back(tag);
                        },
                        [this](const Error& e) {
                          std::lock_guard lock(mutex);
                          cancelled.push_back(e.code());
                        }};
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return order.size();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds limit = 2s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (count() < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
};

struct Gate {
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::promise<void> entered;
  SchedulerJob job() {
    return SchedulerJob{[this](std::size_t) {
                          entered.set_value();
                          opened.wait();
                        },
                        {}};
  }
};

}  // namespace

TEST(Scheduler, HigherPriorityFirstThenRoundRobin) {
  Recorder rec;
  Gate gate;
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 1);
  ModelId g = s.add_model(), a = s.add_model(), b = s.add_model(), c = s.add_model();
  ASSERT_TRUE(s.submit(g, gate.job()));
  gate.entered.get_future().wait();  // the worker is busy; queue everything behind it
  ASSERT_TRUE(s.set_params(c, {.priority = 20}));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.submit(a, rec.job(10 + i)));
    ASSERT_TRUE(s.submit(b, rec.job(20 + i)));
  }
  ASSERT_TRUE(s.submit(c, rec.job(30)));
  ASSERT_TRUE(s.submit(c, rec.job(31)));
  gate.open.set_value();
  ASSERT_TRUE(rec.wait_for(8));
  // c (priority 20) drains first; then a and b (16) alternate.
  EXPECT_EQ(rec.order, (std::vector<int>{30, 31, 10, 20, 11, 21, 12, 22}));
  EXPECT_GE(s.stats().model_switches, 6u);
  EXPECT_EQ(s.stats().runs, 9u);
}

TEST(Scheduler, ThresholdHoldsAModelBack) {
  Recorder rec;
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 1);
  ModelId a = s.add_model();
  ASSERT_TRUE(s.set_params(a, {.threshold = 3}));
  ASSERT_TRUE(s.submit(a, rec.job(1)));
  ASSERT_TRUE(s.submit(a, rec.job(2)));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(rec.count(), 0u);  // 2 < threshold 3, no timeout: it waits
  ASSERT_TRUE(s.submit(a, rec.job(3)));
  ASSERT_TRUE(rec.wait_for(1));  // threshold reached
}

TEST(Scheduler, TimeoutReleasesAModelBelowThreshold) {
  Recorder rec;
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 1);
  ModelId a = s.add_model();
  ASSERT_TRUE(s.set_params(a, {.threshold = 100, .timeout = 30ms}));
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(s.submit(a, rec.job(1)));
  ASSERT_TRUE(rec.wait_for(1));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 30ms);
}

TEST(Scheduler, ReadyLowPriorityRunsWhileHighPriorityWaitsForThreshold) {
  Recorder rec;
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 1);
  ModelId hi = s.add_model(), lo = s.add_model();
  ASSERT_TRUE(s.set_params(hi, {.priority = 31, .threshold = 2}));
  ASSERT_TRUE(s.set_params(lo, {.priority = 0}));
  ASSERT_TRUE(s.submit(hi, rec.job(1)));
  ASSERT_TRUE(s.submit(lo, rec.job(2)));
  ASSERT_TRUE(rec.wait_for(1));
  EXPECT_EQ(rec.order.front(), 2);
}

TEST(Scheduler, NoneIsFifoAndRefusesKnobs) {
  Recorder rec;
  Gate gate;
  Scheduler s(SchedulingAlgorithm::kNone, 1);
  ModelId a = s.add_model(), b = s.add_model();
  EXPECT_EQ(s.set_params(a, {.priority = 20}).error().code(), ErrorCode::kUnsupported);
  ASSERT_TRUE(s.submit(a, gate.job()));
  gate.entered.get_future().wait();
  for (int tag : {1, 2, 3, 4}) ASSERT_TRUE(s.submit(tag % 2 ? b : a, rec.job(tag)));
  gate.open.set_value();
  ASSERT_TRUE(rec.wait_for(4));
  EXPECT_EQ(rec.order, (std::vector<int>{1, 2, 3, 4}));
}

TEST(Scheduler, RejectsBadParams) {
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 1);
  ModelId a = s.add_model();
  EXPECT_EQ(s.set_params(a, {.priority = 32}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.set_params(a, {.threshold = 0}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.submit(999, {}).error().code(), ErrorCode::kNotFound);
}

TEST(Scheduler, RemovingAModelCancelsItsQueuedJobs) {
  Recorder rec;
  Gate gate;
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 1);
  ModelId g = s.add_model(), a = s.add_model();
  ASSERT_TRUE(s.submit(g, gate.job()));
  gate.entered.get_future().wait();
  ASSERT_TRUE(s.submit(a, rec.job(1)));
  ASSERT_TRUE(s.submit(a, rec.job(2)));
  s.remove_model(a);
  EXPECT_EQ(rec.cancelled, (std::vector<ErrorCode>{ErrorCode::kAborted, ErrorCode::kAborted}));
  gate.open.set_value();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rec.count(), 0u);
  EXPECT_EQ(s.submit(a, rec.job(3)).error().code(), ErrorCode::kNotFound);
}

TEST(Scheduler, SeveralWorkersRunInParallel) {
  std::atomic<int> concurrent{0}, peak{0}, done{0};  // before the scheduler: its jobs use them
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 2);
  ModelId a = s.add_model();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(s.submit(a, SchedulerJob{[&](std::size_t) {
                                           int now = ++concurrent;
                                           int p = peak.load();
                                           while (now > p && !peak.compare_exchange_weak(p, now)) {}
                                           std::this_thread::sleep_for(20ms);
                                           --concurrent;
                                           ++done;
                                         },
                                         {}}));
  }
  auto end = std::chrono::steady_clock::now() + 2s;
  while (done < 4 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(done.load(), 4);
  EXPECT_EQ(peak.load(), 2);
}

// A pinned model's jobs run only on its worker; a retired worker takes nothing more: the queued
// jobs of models pinned to it are cancelled with the retirement's error (so are later submits),
// and unpinned models' jobs go to the other worker.
TEST(Scheduler, PinnedJobsStayOnTheirWorkerAndARetiredWorkerTakesNothing) {
  std::mutex mutex;
  std::vector<std::size_t> workers_of_a, workers_of_b;
  std::vector<ErrorCode> cancelled;
  auto job = [&](std::vector<std::size_t>& into) {
    return SchedulerJob{[&](std::size_t w) {
                          std::lock_guard lock(mutex);
                          into.push_back(w);
                        },
                        [&](const Error& e) {
                          std::lock_guard lock(mutex);
                          cancelled.push_back(e.code());
                        }};
  };
  auto ran = [&](std::size_t n) {
    auto end = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < end) {
      {
        std::lock_guard lock(mutex);
        if (workers_of_a.size() + workers_of_b.size() >= n) return true;
      }
      std::this_thread::sleep_for(1ms);
    }
    return false;
  };
  Gate gate;
  Scheduler s(SchedulingAlgorithm::kRoundRobin, 2);
  ModelId a = s.add_model(), b = s.add_model(), g = s.add_model();
  ASSERT_TRUE(s.pin(a, 1));
  EXPECT_EQ(s.pin(a, 2).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.pin(999, 0).error().code(), ErrorCode::kNotFound);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s.submit(a, job(workers_of_a)));
  ASSERT_TRUE(ran(6));
  EXPECT_EQ(workers_of_a, std::vector<std::size_t>(6, 1));

  // Worker 1 busy with the gate (pinned there too), then retired with a's jobs queued behind it.
  ASSERT_TRUE(s.pin(g, 1));
  ASSERT_TRUE(s.submit(g, gate.job()));
  gate.entered.get_future().wait();
  ASSERT_TRUE(s.submit(a, job(workers_of_a)));
  ASSERT_TRUE(s.submit(a, job(workers_of_a)));
  s.retire_worker(1, Error(ErrorCode::kDeviceLost, "device 1 was removed"));
  EXPECT_EQ(cancelled, (std::vector<ErrorCode>{ErrorCode::kDeviceLost, ErrorCode::kDeviceLost}));
  gate.open.set_value();
  auto refused = s.submit(a, job(workers_of_a));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kDeviceLost);
  EXPECT_EQ(refused.error().message(), "device 1 was removed");
  EXPECT_EQ(s.pin(b, 1).error().code(), ErrorCode::kDeviceLost);
  // Unpinned work, and `a` once pinned elsewhere, run on worker 0.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(s.submit(b, job(workers_of_b)));
  ASSERT_TRUE(s.pin(a, 0));
  ASSERT_TRUE(s.submit(a, job(workers_of_a)));
  ASSERT_TRUE(ran(11));
  EXPECT_EQ(workers_of_b, std::vector<std::size_t>(4, 0));
  EXPECT_EQ(workers_of_a.back(), 0u);
}
