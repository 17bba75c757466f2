// The whole stack on the simulator: compiler -> .npk -> runtime -> driver -> hal -> sim, with
// outputs compared bit for bit against the compiler's CPU reference.
#include <atomic>
#include <fstream>
#include <set>

#include "npu/hal/sim_control.hpp"
#include "stack_fixture.hpp"

using namespace npu;
using namespace npu::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBatchNet = R"({
  "name": "batch3", "seed": 99,
  "input": {"name": "features", "shape": [3, 24], "scale": 0.04},
  "output": {"name": "scores"},
  "layers": [{"type": "dense", "units": 40, "activation": "relu"},
             {"type": "dense", "units": 16, "activation": "relu"},
             {"type": "dense", "units": 7}]})";

class EndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mlp_ = new CompiledModel(compile_file(NPU_SOURCE_DIR "/examples/networks/mlp.json", "mlp.npk"));
  }
  static void TearDownTestSuite() { delete mlp_; }
  static CompiledModel* mlp_;
};
CompiledModel* EndToEnd::mlp_ = nullptr;

std::vector<std::int8_t> reference(const CompiledModel& m, const std::vector<std::int8_t>& in) {
  auto r = compiler::net::reference_forward(m.net, in);
  EXPECT_TRUE(r.has_value());
  return *r;
}

}  // namespace

TEST_F(EndToEnd, MlpMatchesCpuReferenceExactly) {
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice.has_value()) << vdevice.error().what();
  auto model = (*vdevice)->create_infer_model(mlp_->path);
  ASSERT_TRUE(model.has_value()) << model.error().what();
  EXPECT_EQ(model->name(), "mlp");
  ASSERT_EQ(model->inputs().size(), 1u);
  EXPECT_EQ(model->inputs()[0].name, "input");
  EXPECT_EQ(model->inputs()[0].shape, (std::vector<std::uint32_t>{1, 64}));
  EXPECT_EQ(model->outputs()[0].name, "logits");
  EXPECT_EQ(model->batch_size(), 1u);
  auto configured = model->configure();
  ASSERT_TRUE(configured.has_value()) << configured.error().what();
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    auto in = random_input(64, seed);
    std::vector<std::int8_t> out(10, 0x55);
    auto bindings = bind_buffers(*configured, in, out);
    auto info = configured->run(bindings);
    ASSERT_TRUE(info.has_value()) << info.error().what();
    EXPECT_EQ(out, reference(*mlp_, in)) << "seed " << seed;
    EXPECT_GT(info->device_cycles, 0u);
    EXPECT_GT(info->device_time.count(), 0);
    EXPECT_GT(info->host_time.count(), 0);
  }
}

TEST_F(EndToEnd, RunAsyncWithSeveralJobs) {
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice.has_value());
  auto model = (*vdevice)->create_infer_model(mlp_->path);
  auto configured = model->configure();
  ASSERT_TRUE(configured.has_value());
  constexpr int kJobs = 8;
  std::vector<std::vector<std::int8_t>> ins, outs(kJobs, std::vector<std::int8_t>(10));
  std::vector<Bindings> bindings;
  std::vector<AsyncInferJob> jobs;
  std::atomic<int> callbacks{0};
  for (int j = 0; j < kJobs; ++j) ins.push_back(random_input(64, 100 + j));
  for (int j = 0; j < kJobs; ++j) {
    bindings.push_back(bind_buffers(*configured, ins[j], outs[j]));
    ASSERT_TRUE(configured->wait_for_async_ready(1s).has_value());
    auto job = configured->run_async(bindings.back(), [&](const Expected<RunInfo>& r) {
      if (r) ++callbacks;
    });
    ASSERT_TRUE(job.has_value()) << job.error().what();
    jobs.push_back(std::move(*job));
  }
  for (int j = 0; j < kJobs; ++j) {
    auto r = jobs[j].wait(5s);
    ASSERT_TRUE(r.has_value()) << r.error().what();
    EXPECT_EQ(outs[j], reference(*mlp_, ins[j])) << "job " << j;
  }
  EXPECT_EQ(callbacks.load(), kJobs);
}

TEST_F(EndToEnd, TwoModelsOnOneVDevice) {
  auto second = compile_text(kBatchNet, "batch3.npk");
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice.has_value());
  auto m1 = (*vdevice)->create_infer_model(mlp_->path);
  auto m2 = (*vdevice)->create_infer_model(second.path);
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m2->batch_size(), 3u);
  auto c1 = m1->configure();
  auto c2 = m2->configure();
  ASSERT_TRUE(c1.has_value()) << c1.error().what();
  ASSERT_TRUE(c2.has_value()) << c2.error().what();
  ASSERT_TRUE(c2->set_scheduler_priority(20).has_value());
  std::vector<std::vector<std::int8_t>> in1, in2, out1(4, std::vector<std::int8_t>(10)),
      out2(4, std::vector<std::int8_t>(21));
  std::vector<Bindings> b;
  std::vector<AsyncInferJob> jobs;
  for (int j = 0; j < 4; ++j) {
    in1.push_back(random_input(64, 200 + j));
    in2.push_back(random_input(72, 300 + j));
  }
  for (int j = 0; j < 4; ++j) {
    b.push_back(bind_buffers(*c1, in1[j], out1[j]));
    jobs.push_back(std::move(*c1->run_async(b.back())));
    b.push_back(bind_buffers(*c2, in2[j], out2[j]));
    jobs.push_back(std::move(*c2->run_async(b.back())));
  }
  for (auto& job : jobs) {
    auto r = job.wait(5s);
    ASSERT_TRUE(r.has_value()) << r.error().what();
  }
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(out1[j], reference(*mlp_, in1[j]));
    EXPECT_EQ(out2[j], reference(second, in2[j]));
  }
  EXPECT_GE((*vdevice)->scheduler_stats().runs, 8u);
  auto stats = (*vdevice)->stats(0);
  ASSERT_TRUE(stats.has_value());
  EXPECT_GE(stats->runs, 8u);
}

TEST_F(EndToEnd, BadAndTruncatedNpkGiveClearErrors) {
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice.has_value());
  auto not_npk = temp_file("not.npk");
  std::ofstream(not_npk) << "{\"this\": \"is json\"}";
  auto r = (*vdevice)->create_infer_model(not_npk);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("not an .npk file"), std::string::npos) << r.error().what();

  auto truncated = temp_file("truncated.npk");
  std::filesystem::copy_file(mlp_->path, truncated, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) - 100);
  r = (*vdevice)->create_infer_model(truncated);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().what();

  r = (*vdevice)->create_infer_model(temp_file("missing.npk"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST_F(EndToEnd, BindingErrorsAreClear) {
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice.has_value());
  auto configured = (*vdevice)->create_infer_model(mlp_->path)->configure();
  ASSERT_TRUE(configured.has_value());
  auto bindings = configured->create_bindings();
  std::vector<std::int8_t> small(10);
  auto in = bindings->input("input");
  ASSERT_TRUE(in.has_value());
  auto e = in->set_buffer(std::as_bytes(std::span(small)));
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message().find("exactly 64 bytes"), std::string::npos) << e.error().what();
  EXPECT_EQ(bindings->input("nope").error().code(), ErrorCode::kNotFound);
  auto run = configured->run(*bindings);
  ASSERT_FALSE(run.has_value());
  EXPECT_NE(run.error().message().find("has no buffer"), std::string::npos);
}

TEST_F(EndToEnd, RecoversAfterFirmwareCrash) {
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice.has_value());
  const std::string id = (*vdevice)->identity(0).info.id;
  auto configured = (*vdevice)->create_infer_model(mlp_->path)->configure();
  ASSERT_TRUE(configured.has_value());
  auto in = random_input(64, 7);
  std::vector<std::int8_t> out(10);
  auto bindings = bind_buffers(*configured, in, out);
  ASSERT_TRUE(hal::sim_control::set_faults(id, "firmware_crash@run=2").has_value());
  ASSERT_TRUE(configured->run(bindings).has_value());        // run 1
  auto failed = configured->run(bindings);                   // run 2: the device crashes
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().code(), ErrorCode::kOk);
  std::fill(out.begin(), out.end(), 0);
  auto recovered = configured->run(bindings);                // re-loaded transparently
  ASSERT_TRUE(recovered.has_value()) << recovered.error().what();
  EXPECT_TRUE(recovered->reloaded);
  EXPECT_EQ(out, reference(*mlp_, in));
  ASSERT_TRUE(hal::sim_control::set_faults(id, "").has_value());
}

TEST_F(EndToEnd, MultiProcessWithoutDaemonSaysHowToStartIt) {
  // No npud listens on this socket: the client must say so and how to fix it, not hang.
  const std::string socket = (std::filesystem::temp_directory_path() /
                              ("npu_no_npud_" + std::to_string(::getpid()) + ".sock")).string();
  ::setenv("NPU_NPUD_SOCKET", socket.c_str(), 1);
  VDeviceParams p;
  p.multi_process = true;
  auto v = VDevice::create(p);
  ::unsetenv("NPU_NPUD_SOCKET");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code(), ErrorCode::kIo) << v.error().what();
  EXPECT_NE(v.error().message().find("is not running: start it with `npud`"), std::string::npos)
      << v.error().what();
  EXPECT_NE(v.error().message().find(socket), std::string::npos) << v.error().what();
}

TEST_F(EndToEnd, UnknownDeviceIdIsNotFound) {
  VDeviceParams p;
  p.device_ids = {"sim:63"};
  ::setenv("NPU_SIM_DEVICES", "1", 1);
  auto v = VDevice::create(p);
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code(), ErrorCode::kNotFound);
}

TEST_F(EndToEnd, AllDevicesShareTheWork) {
  ::setenv("NPU_SIM_DEVICES", "2", 1);
  VDeviceParams p;
  p.device_ids = {"all"};
  auto vdevice = VDevice::create(p);
  ::unsetenv("NPU_SIM_DEVICES");
  ASSERT_TRUE(vdevice.has_value()) << vdevice.error().what();
  ASSERT_EQ((*vdevice)->device_count(), 2u);
  auto configured = (*vdevice)->create_infer_model(mlp_->path)->configure();
  ASSERT_TRUE(configured.has_value()) << configured.error().what();
  constexpr int kJobs = 12;
  std::vector<std::vector<std::int8_t>> ins, outs(kJobs, std::vector<std::int8_t>(10));
  std::vector<Bindings> b;
  std::vector<AsyncInferJob> jobs;
  for (int j = 0; j < kJobs; ++j) ins.push_back(random_input(64, 400 + j));
  for (int j = 0; j < kJobs; ++j) {
    b.push_back(bind_buffers(*configured, ins[j], outs[j]));
    jobs.push_back(std::move(*configured->run_async(b.back())));
  }
  std::set<std::size_t> used;
  for (int j = 0; j < kJobs; ++j) {
    auto r = jobs[j].wait(5s);
    ASSERT_TRUE(r.has_value()) << r.error().what();
    used.insert(r->device_index);
    EXPECT_EQ(outs[j], reference(*mlp_, ins[j]));
  }
  EXPECT_GE(used.size(), 1u);
}

TEST_F(EndToEnd, DestroyingAConfiguredModelAbortsQueuedJobs) {
  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice.has_value());
  auto model = (*vdevice)->create_infer_model(mlp_->path);
  auto in = random_input(64, 9);
  std::vector<std::int8_t> out(10);
  std::atomic<int> aborted{0}, ok{0};
  {
    auto configured = model->configure();
    ASSERT_TRUE(configured.has_value());
    ASSERT_TRUE(configured->set_scheduler_threshold(100).has_value());  // nothing becomes ready
    auto bindings = bind_buffers(*configured, in, out);
    for (int j = 0; j < 3; ++j) {
      auto job = configured->run_async(bindings, [&](const Expected<RunInfo>& r) {
        if (!r && r.error().code() == ErrorCode::kAborted) ++aborted;
        if (r) ++ok;
      });
      ASSERT_TRUE(job.has_value());
      job->detach();
    }
  }
  EXPECT_EQ(aborted.load(), 3);
  EXPECT_EQ(ok.load(), 0);
}
