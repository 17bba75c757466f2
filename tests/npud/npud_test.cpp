// npud end to end: client processes sharing the daemon's device, results equal to in-process
// runs, a client killed mid-run, a killed daemon, the remote API inside this process.
#include <signal.h>

#include <fstream>
#include <iterator>

#include "npu/runtime.hpp"
#include "npud_fixture.hpp"
#include "test_inputs.hpp"

namespace npu::test {
namespace {

std::vector<char> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What `runs` runs of the model give in this process (its own simulator, no npud).
std::vector<char> in_process_outputs(const std::filesystem::path& npk, std::uint64_t seed, std::uint64_t runs) {
  VDeviceParams params;
  params.device_ids = {"sim:0"};
  auto vdevice = VDevice::create(params);
  EXPECT_TRUE(vdevice.has_value()) << vdevice.error().what();
  auto model = (*vdevice)->create_infer_model(npk);
  auto configured = model->configure();
  EXPECT_TRUE(configured.has_value()) << configured.error().what();
  std::vector<char> all;
  for (std::uint64_t r = 0; r < runs; ++r) {
    auto input = run_input(model->inputs()[0].size, seed, r);
    std::vector<std::int8_t> output(model->outputs()[0].size);
    auto b = configured->create_bindings();
    EXPECT_TRUE(b->input()->set_buffer(std::as_bytes(std::span(input))).has_value());
    EXPECT_TRUE(b->output()->set_buffer(std::as_writable_bytes(std::span(output))).has_value());
    EXPECT_TRUE(configured->run(*b).has_value());
    all.insert(all.end(), output.begin(), output.end());
  }
  return all;
}

TEST(Npud, TwoClientProcessesMatchInProcessRuns) {
  auto npk = compile_mlp();
  NpudProcess npud;
  auto out_a = npud_temp("a.out"), out_b = npud_temp("b.out");
  pid_t a = spawn({NPUD_CLIENT_PATH, npk.string(), "1", "12", out_a.string(), "sync"});
  pid_t b = spawn({NPUD_CLIENT_PATH, npk.string(), "2", "12", out_b.string(), "async"});
  EXPECT_EQ(wait_exit(a), 0);
  EXPECT_EQ(wait_exit(b), 0);
  EXPECT_EQ(read_all(out_a), in_process_outputs(npk, 1, 12));
  EXPECT_EQ(read_all(out_b), in_process_outputs(npk, 2, 12));
  auto status = npud.status();
  EXPECT_GE(status["scheduler"].value("runs", 0), 24);
}

TEST(Npud, RemoteApiInThisProcess) {
  auto npk = compile_mlp();
  NpudProcess npud;
  VDeviceParams params;
  params.multi_process = true;
  auto vdevice = VDevice::create(params);
  ASSERT_TRUE(vdevice.has_value()) << vdevice.error().what();
  EXPECT_EQ((*vdevice)->device_count(), 1u);
  EXPECT_EQ((*vdevice)->identity(0).info.id, "sim:0");
  EXPECT_TRUE((*vdevice)->stats(0).has_value());
  EXPECT_FALSE((*vdevice)->stats(3).has_value());
  auto model = (*vdevice)->create_infer_model(npk);
  ASSERT_TRUE(model.has_value()) << model.error().what();
  {
    auto configured = model->configure();
    ASSERT_TRUE(configured.has_value()) << configured.error().what();
    EXPECT_EQ(status_total(npud.status(), "models"), 1u);
    EXPECT_GT(status_total(npud.status(), "shm_bytes"), 0u);
    EXPECT_TRUE(configured->set_scheduler_priority(20).has_value());
    EXPECT_TRUE(configured->set_scheduler_threshold(1).has_value());
    auto bad = configured->set_scheduler_priority(40);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
    // Several async jobs in flight on distinct slots; each result equals the in-process one.
    auto expected = in_process_outputs(npk, 7, 4);
    std::vector<std::vector<std::int8_t>> inputs, outputs;
    std::vector<Bindings> bindings;
    std::vector<AsyncInferJob> jobs;
    for (std::uint64_t r = 0; r < 4; ++r) {
      inputs.push_back(run_input(model->inputs()[0].size, 7, r));
      outputs.emplace_back(model->outputs()[0].size);
    }
    for (std::uint64_t r = 0; r < 4; ++r) {
      auto b = configured->create_bindings();
      ASSERT_TRUE(b->input()->set_buffer(std::as_bytes(std::span(inputs[r]))).has_value());
      ASSERT_TRUE(b->output()->set_buffer(std::as_writable_bytes(std::span(outputs[r]))).has_value());
      bindings.push_back(std::move(*b));
      auto job = configured->run_async(bindings.back());
      ASSERT_TRUE(job.has_value()) << job.error().what();
      jobs.push_back(std::move(*job));
    }
    std::vector<char> got;
    for (std::uint64_t r = 0; r < 4; ++r) {
      auto info = jobs[r].wait(std::chrono::seconds(30));
      ASSERT_TRUE(info.has_value()) << info.error().what();
      EXPECT_GT(info->device_cycles, 0u);
      got.insert(got.end(), outputs[r].begin(), outputs[r].end());
    }
    EXPECT_EQ(got, expected);
  }
  EXPECT_EQ(status_total(npud.status(), "models"), 0u);  // freed when the ConfiguredInferModel went
  EXPECT_EQ(status_total(npud.status(), "shm_bytes"), 0u);
}

TEST(Npud, KilledClientIsCleanedUpOthersContinue) {
  auto npk = compile_mlp();
  NpudProcess npud;
  auto marker = npud_temp("forever.marker");
  std::filesystem::remove(marker);
  pid_t victim = spawn({NPUD_CLIENT_PATH, npk.string(), "3", "0", npud_temp("v.out").string(), "forever",
                        marker.string()});
  for (int i = 0; i < 500 && !std::filesystem::exists(marker); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(std::filesystem::exists(marker)) << "the victim client never ran";
  auto out_b = npud_temp("survivor.out");
  pid_t survivor = spawn({NPUD_CLIENT_PATH, npk.string(), "4", "30", out_b.string(), "async"});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(victim, SIGKILL);  // mid-run
  ::waitpid(victim, nullptr, 0);
  EXPECT_EQ(wait_exit(survivor), 0);
  EXPECT_EQ(read_all(out_b), in_process_outputs(npk, 4, 30));
  nlohmann::json status;
  for (int i = 0; i < 250; ++i) {  // the daemon frees the victim's model and memory
    status = npud.status();
    if (status_total(status, "models") == 0 && status_total(status, "clients") == 1) break;  // (1 = the status client)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status_total(status, "models"), 0u) << status.dump();
  EXPECT_EQ(status_total(status, "shm_bytes"), 0u) << status.dump();
  EXPECT_EQ(status_total(status, "clients"), 1u) << status.dump();
}

// A client that dies while its synchronous run waits for a threshold it will never reach: npud
// lets the run go and frees the client at once (not after the run's 60 s timeout).
TEST(Npud, KilledClientWithHeldRunIsFreedPromptly) {
  auto npk = compile_mlp();
  NpudProcess npud;
  auto marker = npud_temp("held.marker");
  std::filesystem::remove(marker);
  pid_t held = spawn({NPUD_CLIENT_PATH, npk.string(), "1", "1", npud_temp("held.out").string(), "held", marker.string()});
  for (int i = 0; i < 500 && !std::filesystem::exists(marker); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(std::filesystem::exists(marker)) << "the client never started its run";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the run is queued in npud
  ::kill(held, SIGKILL);
  ::waitpid(held, nullptr, 0);
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json status;
  for (int i = 0; i < 250; ++i) {
    status = npud.status();
    if (status_total(status, "models") == 0 && status_total(status, "clients") == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status_total(status, "models"), 0u) << status.dump();
  EXPECT_EQ(status_total(status, "clients"), 1u) << status.dump();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Npud, DaemonGoneGivesClearErrors) {
  auto npk = compile_mlp();
  {
    ::setenv("NPU_NPUD_SOCKET", npud_temp("nobody.sock").c_str(), 1);
    VDeviceParams params;
    params.multi_process = true;
    auto none = VDevice::create(params);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code(), ErrorCode::kIo);
    EXPECT_NE(none.error().message().find("is not running: start it with `npud`"), std::string::npos)
        << none.error().what();
  }
  NpudProcess npud;
  VDeviceParams params;
  params.multi_process = true;
  auto vdevice = VDevice::create(params);
  ASSERT_TRUE(vdevice.has_value()) << vdevice.error().what();
  auto model = (*vdevice)->create_infer_model(npk);
  auto configured = model->configure();
  ASSERT_TRUE(configured.has_value());
  npud.stop(SIGKILL);
  auto input = run_input(model->inputs()[0].size, 1, 0);
  std::vector<std::int8_t> output(model->outputs()[0].size);
  auto b = configured->create_bindings();
  ASSERT_TRUE(b->input()->set_buffer(std::as_bytes(std::span(input))).has_value());
  ASSERT_TRUE(b->output()->set_buffer(std::as_writable_bytes(std::span(output))).has_value());
  auto run = configured->run(*b);
  ASSERT_FALSE(run.has_value());
  EXPECT_EQ(run.error().code(), ErrorCode::kDeviceLost);
  EXPECT_NE(run.error().message().find("is not running"), std::string::npos) << run.error().what();
  auto job = configured->run_async(*b);
  if (job) {
    auto waited = job->wait(std::chrono::seconds(5));
    ASSERT_FALSE(waited.has_value());
    EXPECT_EQ(waited.error().code(), ErrorCode::kDeviceLost);
  } else {
    EXPECT_EQ(job.error().code(), ErrorCode::kDeviceLost);
  }
}

}  // namespace
}  // namespace npu::test
