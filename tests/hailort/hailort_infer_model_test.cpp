// .hef networks through the public InferModel API on the HailoRT backend (over the test double).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "hailort_fixture.hpp"
#include "npu/runtime.hpp"

namespace npu::test {
namespace {

using namespace std::chrono_literals;

class HailortNetwork : public HailortTest {
 protected:
  void SetUp() override {
    HailortTest::SetUp();
    add_hailo10h();
    hailort_double::FakeNetwork net;
    net.inputs = {{"yolo/input_layer1", {4, 4, 3}, HAILO_FORMAT_TYPE_UINT8, 0.5f, 2.0f}};
    net.outputs = {{"yolo/conv1", {1, 1, 8}, HAILO_FORMAT_TYPE_UINT8, 0.25f, 0.0f}};
    hef_ = add_network("yolo.hef", net);
    auto vdevice = VDevice::create();
    ASSERT_TRUE(vdevice) << vdevice.error().what();
    vdevice_ = std::move(*vdevice);
  }

  // Configured model + bindings over in_/out_.
  struct Ready {
    std::optional<ConfiguredInferModel> configured;
    std::optional<Bindings> bindings;
  };
  Ready ready(const std::string& path) {
    Ready r;
    auto model = vdevice_->create_infer_model(path);
    EXPECT_TRUE(model) << model.error().what();
    if (!model) return r;
    auto configured = model->configure();
    EXPECT_TRUE(configured) << configured.error().what();
    if (!configured) return r;
    r.configured.emplace(std::move(*configured));
    auto bindings = r.configured->create_bindings();
    EXPECT_TRUE(bindings);
    r.bindings.emplace(std::move(*bindings));
    for (std::size_t i = 0; i < in_.size(); ++i) in_[i] = static_cast<std::byte>(i * 3);
    EXPECT_TRUE(r.bindings->input()->set_buffer(std::span<const std::byte>(in_)));
    EXPECT_TRUE(r.bindings->output()->set_buffer(std::span<std::byte>(out_)));
    return r;
  }

  std::string hef_;
  std::unique_ptr<VDevice> vdevice_;
  std::array<std::byte, 48> in_{};
  std::array<std::byte, 8> out_{};
};

TEST_F(HailortNetwork, StreamsComeFromTheHef) {
  auto model = vdevice_->create_infer_model(hef_);
  ASSERT_TRUE(model) << model.error().what();
  EXPECT_EQ(model->name(), "yolo");
  ASSERT_EQ(model->inputs().size(), 1u);
  const auto& in = model->inputs()[0];
  EXPECT_EQ(in.name, "yolo/input_layer1");
  EXPECT_EQ(in.shape, (std::vector<std::uint32_t>{1, 4, 4, 3}));
  EXPECT_EQ(in.dtype, "uint8");
  EXPECT_FLOAT_EQ(in.scale, 0.5f);
  EXPECT_EQ(in.zero_point, 2);
  EXPECT_EQ(in.size, 48u);
  EXPECT_EQ(model->outputs()[0].size, 8u);
  EXPECT_EQ(model->batch_size(), 1u);
  EXPECT_NE(model->metadata_json().find("\"backend\":\"hailort\""), std::string::npos);
}

TEST_F(HailortNetwork, RunFillsTheOutputs) {
  auto r = ready(hef_);
  ASSERT_TRUE(r.bindings);
  auto info = r.configured->run(*r.bindings);
  ASSERT_TRUE(info) << info.error().what();
  for (std::size_t i = 0; i < out_.size(); ++i) EXPECT_EQ(out_[i], static_cast<std::byte>(i * 3 + 1)) << i;
  EXPECT_EQ(info->device_cycles, 0u);  // HailoRT reports no device time: host figures only
  EXPECT_GT(info->host_time.count(), 0);
  EXPECT_EQ(world().network_records[hef_].runs, 1);
}

TEST_F(HailortNetwork, RunAsyncCompletesThroughTheCallbackAndTheJob) {
  auto r = ready(hef_);
  ASSERT_TRUE(r.bindings);
  std::atomic<int> called{0};
  auto job = r.configured->run_async(*r.bindings, [&](const Expected<RunInfo>& done) {
    EXPECT_TRUE(done);
    ++called;
  });
  ASSERT_TRUE(job) << job.error().what();
  auto result = job->wait(5s);
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_EQ(called.load(), 1);
  EXPECT_EQ(out_[1], static_cast<std::byte>(4));
  EXPECT_EQ(world().network_records[hef_].async_runs, 1);
}

TEST_F(HailortNetwork, FullQueueIsBusyUntilReady) {
  world().networks[hef_].queue_size = 1;
  world().networks[hef_].run_time = 100ms;
  auto r = ready(hef_);
  ASSERT_TRUE(r.bindings);
  EXPECT_EQ(r.configured->async_queue_size(), 1u);
  auto first = r.configured->run_async(*r.bindings);
  ASSERT_TRUE(first);
  auto second = r.configured->run_async(*r.bindings);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kBusy);
  EXPECT_NE(second.error().message().find("wait_for_async_ready"), std::string::npos);
  EXPECT_TRUE(r.configured->wait_for_async_ready(5s));
  EXPECT_TRUE(first->wait(5s));
}

TEST_F(HailortNetwork, SlowRunTimesOut) {
  world().networks[hef_].run_time = 300ms;
  auto r = ready(hef_);
  ASSERT_TRUE(r.bindings);
  auto info = r.configured->run(*r.bindings, 20ms);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code(), ErrorCode::kTimeout);
}

TEST_F(HailortNetwork, DeviceFailureIsAnErrorThatSaysWhatToDo) {
  world().networks[hef_].run_status = HAILO_RPC_FAILED;
  auto r = ready(hef_);
  ASSERT_TRUE(r.bindings);
  auto info = r.configured->run(*r.bindings);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code(), ErrorCode::kDeviceLost);
  EXPECT_NE(info.error().message().find("running 'yolo'"), std::string::npos);
  EXPECT_NE(info.error().message().find("modprobe"), std::string::npos);
}

TEST_F(HailortNetwork, SchedulerKnobsReachHailoRT) {
  auto r = ready(hef_);
  ASSERT_TRUE(r.configured);
  EXPECT_TRUE(r.configured->set_scheduler_priority(20));
  EXPECT_TRUE(r.configured->set_scheduler_threshold(3));
  EXPECT_TRUE(r.configured->set_scheduler_timeout(15ms));
  const auto& rec = world().network_records[hef_];
  EXPECT_EQ(rec.priority, 20);
  EXPECT_EQ(rec.threshold, 3u);
  EXPECT_EQ(rec.timeout, 15ms);
  auto bad = r.configured->set_scheduler_priority(40);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(HailortNetwork, SchedulerKnobsNeedRoundRobin) {
  VDeviceParams p;
  p.device_ids = {"hailo:0001:01:00.0"};
  p.scheduling_algorithm = SchedulingAlgorithm::kNone;
  vdevice_.reset();
  auto vdevice = VDevice::create(p);
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  vdevice_ = std::move(*vdevice);
  auto r = ready(hef_);
  ASSERT_TRUE(r.configured);
  auto knob = r.configured->set_scheduler_priority(20);
  ASSERT_FALSE(knob);
  EXPECT_EQ(knob.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(knob.error().message().find("kRoundRobin"), std::string::npos);
}

TEST_F(HailortNetwork, DestroyingTheModelShutsItDown) {
  {
    auto r = ready(hef_);
    ASSERT_TRUE(r.configured);
  }
  EXPECT_EQ(world().network_records[hef_].shutdowns, 1);
}

TEST_F(HailortNetwork, NpkOnAHailoIsAClearError) {
  const auto npk = hef_file("model.npk");
  auto model = vdevice_->create_infer_model(npk);
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(model.error().message().find("in-process"), std::string::npos) << model.error().message();
}

TEST_F(HailortNetwork, HefOnTheSimulatorIsAClearError) {
  VDeviceParams p;
  p.device_ids = {"sim:0"};
  auto sim = VDevice::create(p);
  ASSERT_TRUE(sim) << sim.error().what();
  auto model = (*sim)->create_infer_model(hef_);
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(model.error().message().find("hailort"), std::string::npos) << model.error().message();
}

TEST_F(HailortNetwork, BadHefFilesAreRefusedWithTheReason) {
  auto missing = vdevice_->create_infer_model(dir_ / "missing.hef");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
  const auto llm = add_llm("qwen.hef", {});
  auto not_a_network = vdevice_->create_infer_model(llm);
  ASSERT_FALSE(not_a_network);
  EXPECT_EQ(not_a_network.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(not_a_network.error().message().find("loading"), std::string::npos);
}

}  // namespace
}  // namespace npu::test
