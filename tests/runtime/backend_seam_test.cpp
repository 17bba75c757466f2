// The runtime's backend seam: a fake backend registered by the test proves that every public
// front (VDevice, InferModel, ConfiguredInferModel, genai::LLM, Generator) dispatches through the
// backend interfaces; device selection (default accelerator over the simulator, an unusable
// accelerator is an error naming the fix, NPU_SIM_DEVICES and "sim:N" select the simulator, one
// backend per VDevice); model files of a kind the backend cannot run are refused clearly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "backend/configured_model_backend.hpp"
#include "backend/device_selection.hpp"
#include "backend/infer_model_backend.hpp"
#include "backend/llm_backend.hpp"
#include "backend/registry.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"

namespace npu::test {
namespace {

using namespace std::chrono_literals;

// What the fakes were asked to do.
struct Calls {
  int runs = 0, async_runs = 0, priority = -1, generations = 0, aborts = 0, prefills = 0;
};

StreamInfo stream(const char* name) {
  StreamInfo s;
  s.name = name;
  s.shape = {1, 4};
  s.dtype = "int8";
  s.size = 4;
  return s;
}

class FakeConfigured final : public backend::ConfiguredModelBackend {
 public:
  explicit FakeConfigured(Calls& calls) : calls_(calls) {}
  const std::string& name() const noexcept override { return name_; }
  const std::vector<StreamInfo>& inputs() const noexcept override { return inputs_; }
  const std::vector<StreamInfo>& outputs() const noexcept override { return outputs_; }
  Expected<RunInfo> run(const BindingsState& b, std::chrono::milliseconds) override {
    ++calls_.runs;
    // The "device" adds one to every byte.
    for (std::size_t i = 0; i < 4; ++i) {
      b.output_buffers[0][i] = std::byte(static_cast<unsigned char>(b.input_buffers[0][i]) + 1);
    }
    RunInfo info;
    info.device_cycles = 42;
    return info;
  }
  Expected<void> run_async(std::shared_ptr<AsyncJobState> job) override {
    ++calls_.async_runs;
    auto r = run(job->buffers, 1s);
    job->claim(AsyncJobState::kRunning);
    job->complete(std::move(r));
    return {};
  }
  Expected<void> wait_for_async_ready(std::chrono::milliseconds, std::uint32_t) override { return {}; }
  std::uint32_t async_queue_size() const noexcept override { return 3; }
  Expected<void> set_scheduler_priority(std::uint8_t p) override {
    calls_.priority = p;
    return {};
  }
  Expected<void> set_scheduler_threshold(std::uint32_t) override { return fail(ErrorCode::kUnsupported, "fake"); }
  Expected<void> set_scheduler_timeout(std::chrono::milliseconds) override { return fail(ErrorCode::kUnsupported, "fake"); }

 private:
  Calls& calls_;
  std::string name_ = "fake-net";
  std::vector<StreamInfo> inputs_{stream("in")}, outputs_{stream("out")};
};

class FakeInferModel final : public backend::InferModelBackend {
 public:
  explicit FakeInferModel(Calls& calls) : calls_(calls) {}
  const std::string& name() const noexcept override { return name_; }
  const std::vector<StreamInfo>& inputs() const noexcept override { return inputs_; }
  const std::vector<StreamInfo>& outputs() const noexcept override { return outputs_; }
  std::uint32_t batch_size() const noexcept override { return 1; }
  std::string_view metadata_json() const noexcept override { return "{\"fake\":true}"; }
  Expected<std::unique_ptr<backend::ConfiguredModelBackend>> configure() const override {
    return std::unique_ptr<backend::ConfiguredModelBackend>(std::make_unique<FakeConfigured>(calls_));
  }

 private:
  Calls& calls_;
  std::string name_ = "fake-net";
  std::vector<StreamInfo> inputs_{stream("in")}, outputs_{stream("out")};
};

// A generation that yields "hello" then ends, or stays open until aborted.
class FakeStream final : public backend::GenerationStream {
 public:
  explicit FakeStream(Calls& calls) : calls_(calls) {}
  Expected<genai::GenerationOutput> read(std::chrono::milliseconds) override {
    genai::GenerationOutput out;
    if (next_ == 0 && !aborted_) {
      out.text = "hello";
      ++next_;
      return out;
    }
    out.kind = genai::OutputKind::kEnd;
    out.status = aborted_ ? genai::GenerationStatus::kAborted : genai::GenerationStatus::kLogicalEnd;
    status_ = out.status;
    return out;
  }
  genai::GenerationStatus status() const noexcept override { return status_; }
  void abort() noexcept override {
    if (status_ != genai::GenerationStatus::kGenerating) return;
    aborted_ = true;
    status_ = genai::GenerationStatus::kAborted;
    ++calls_.aborts;
  }
  void join() override {}
  genai::GenerationStats stats() const override {
    genai::GenerationStats s;
    s.generated_tokens = static_cast<std::uint32_t>(next_);
    return s;
  }

 private:
  Calls& calls_;
  int next_ = 0;
  bool aborted_ = false;
  genai::GenerationStatus status_ = genai::GenerationStatus::kGenerating;
};

class FakeLlm final : public backend::LlmBackend {
 public:
  explicit FakeLlm(Calls& calls) : calls_(calls) { info_.name = "fake-llm"; info_.context_length = 99; }
  const genai::LLMInfo& info() const noexcept override { return info_; }
  Expected<std::unique_ptr<backend::LlmBackend>> create_session() const override {
    return std::unique_ptr<backend::LlmBackend>(std::make_unique<FakeLlm>(calls_));
  }
  Expected<const genai::Tokenizer*> tokenizer() const override { return fail(ErrorCode::kNotFound, "fake"); }
  Expected<std::vector<genai::TokenId>> tokenize(std::string_view text) const override {
    return std::vector<genai::TokenId>(text.size(), 5);
  }
  genai::GeneratorParams default_params() const override {
    genai::GeneratorParams p;
    p.temperature = 0.25f;
    return p;
  }
  Expected<genai::ModelText> text() const override { return fail(ErrorCode::kUnsupported, "fake"); }
  Expected<std::shared_ptr<backend::GenerationStream>> generate(std::span<const genai::TokenId>,
                                                                const genai::GeneratorParams&,
                                                                const genai::LLMHooks&) override {
    ++calls_.generations;
    return std::shared_ptr<backend::GenerationStream>(std::make_shared<FakeStream>(calls_));
  }
  Expected<std::shared_ptr<backend::GenerationStream>> generate_cached(std::span<const genai::TokenId> tokens,
                                                                       const genai::GeneratorParams& p,
                                                                       const genai::LLMHooks& h) override {
    return generate(tokens, p, h);
  }
  Expected<std::shared_ptr<backend::GenerationStream>> generate(std::string_view prompt,
                                                                const genai::GeneratorParams& p,
                                                                const genai::LLMHooks& h) override {
    NPU_TRY_ASSIGN(auto tokens, tokenize(prompt));
    return generate(std::span<const genai::TokenId>(tokens), p, h);
  }
  Expected<std::shared_ptr<backend::GenerationStream>> generate(std::span<const genai::ChatMessage>,
                                                                std::span<const std::string>,
                                                                const genai::GeneratorParams& p,
                                                                const genai::LLMHooks& h) override {
    return generate(std::span<const genai::TokenId>(), p, h);
  }
  Expected<genai::GenerationStats> prefill(std::span<const genai::TokenId> tokens, genai::PrefillMode) override {
    ++calls_.prefills;
    used_ += static_cast<std::uint32_t>(tokens.size());
    return genai::GenerationStats{};
  }
  std::span<const float> logits() const noexcept override { return {}; }
  std::uint32_t context_usage() const noexcept override { return used_; }
  std::uint32_t context_capacity() const noexcept override { return info_.context_length; }
  std::optional<genai::TokenId> pending_token() const noexcept override { return std::nullopt; }
  Expected<void> clear_context() override {
    used_ = 0;
    return {};
  }
  Expected<void> save_context(const std::filesystem::path&) override { return fail(ErrorCode::kUnsupported, "fake"); }
  Expected<void> load_context(const std::filesystem::path&) override { return fail(ErrorCode::kUnsupported, "fake"); }
  Expected<void> set_scheduler_priority(std::uint8_t p) override {
    calls_.priority = p;
    return {};
  }
  Expected<void> start_device_profile(std::size_t) override { return fail(ErrorCode::kUnsupported, "fake"); }
  Expected<ProfileData> read_device_profile(std::size_t) override { return fail(ErrorCode::kUnsupported, "fake"); }
  std::vector<std::pair<std::uint32_t, std::string>> device_contexts(std::size_t) const override { return {}; }

 private:
  Calls& calls_;
  genai::LLMInfo info_;
  std::uint32_t used_ = 0;
};

class FakeVDevice final : public backend::VDeviceBackend {
 public:
  FakeVDevice(VDeviceParams params, std::vector<std::string> ids, Calls& calls) : params_(std::move(params)), calls_(calls) {
    for (const auto& id : ids) {
      DeviceIdentity d;
      d.info.id = id;
      d.info.backend = "fake";
      d.runtime_version = "FakeRT 1.0";
      identities_.push_back(d);
    }
  }
  const VDeviceParams& params() const noexcept override { return params_; }
  std::size_t device_count() const noexcept override { return identities_.size(); }
  const DeviceIdentity& identity(std::size_t device) const override { return identities_.at(device); }
  Expected<DeviceStats> stats(std::size_t device) override {
    DeviceStats s;
    s.runs = 7 + device;
    return s;
  }
  SchedulerStats scheduler_stats() const override { return {.runs = 11, .model_switches = 0, .aborted = 0}; }
  Expected<std::shared_ptr<const backend::InferModelBackend>> create_infer_model(const std::filesystem::path&) override {
    return std::shared_ptr<const backend::InferModelBackend>(std::make_shared<FakeInferModel>(calls_));
  }
  Expected<std::unique_ptr<backend::LlmBackend>> create_llm(const genai::LLMParams&) override {
    return std::unique_ptr<backend::LlmBackend>(std::make_unique<FakeLlm>(calls_));
  }

 private:
  VDeviceParams params_;
  Calls& calls_;
  std::vector<DeviceIdentity> identities_;
};

class FakeBackend final : public backend::Backend {
 public:
  FakeBackend(std::vector<DeviceInfo> devices, Calls& calls) : devices_(std::move(devices)), calls_(calls) {}
  std::string_view name() const noexcept override { return "fake"; }
  std::vector<std::string> model_kinds() const override { return {"fake"}; }
  bool owns_device(std::string_view id) const override { return id.starts_with("fake:"); }
  Expected<std::vector<DeviceInfo>> scan() const override { return devices_; }
  Expected<std::shared_ptr<backend::VDeviceBackend>> open(const VDeviceParams& params,
                                                          std::span<const std::string> ids) const override {
    return std::shared_ptr<backend::VDeviceBackend>(
        std::make_shared<FakeVDevice>(params, std::vector<std::string>(ids.begin(), ids.end()), calls_));
  }

 private:
  std::vector<DeviceInfo> devices_;
  Calls& calls_;
};

DeviceInfo fake_device(const char* id, bool usable, std::string note = {}) {
  DeviceInfo d;
  d.id = id;
  d.backend = "fake";
  d.name = "Fake accelerator";
  d.usable = usable;
  d.note = std::move(note);
  return d;
}

// Registers a fake backend for one test; NPU_SIM_DEVICES is unset meanwhile and restored after.
class Seam : public ::testing::Test {
 protected:
  void use(std::vector<DeviceInfo> devices) {
    backend_ = std::make_shared<FakeBackend>(std::move(devices), calls_);
    backend::register_backend(backend_);
  }
  void SetUp() override {
    if (const char* v = std::getenv("NPU_SIM_DEVICES")) saved_ = v;
    ::unsetenv("NPU_SIM_DEVICES");
  }
  void TearDown() override {
    if (backend_) backend::unregister_backend(backend_);
    if (saved_) ::setenv("NPU_SIM_DEVICES", saved_->c_str(), 1);
    else ::unsetenv("NPU_SIM_DEVICES");
  }
  Calls calls_;
  std::shared_ptr<FakeBackend> backend_;
  std::optional<std::string> saved_;
};

TEST_F(Seam, EveryFrontDispatchesThroughTheBackend) {
  use({fake_device("fake:0", true), fake_device("fake:1", true)});
  VDeviceParams params;
  params.device_ids = {"fake:1"};
  auto vdevice = VDevice::create(params);
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  auto& v = **vdevice;
  EXPECT_EQ(v.selection().backend, "fake");
  EXPECT_EQ(v.selection().device_ids, std::vector<std::string>{"fake:1"});
  EXPECT_EQ(v.device_count(), 1u);
  EXPECT_EQ(v.identity(0).info.id, "fake:1");
  EXPECT_EQ(v.identity(0).runtime_version, "FakeRT 1.0");
  EXPECT_EQ(v.stats(0)->runs, 7u);
  EXPECT_EQ(v.stats(1).error().code(), ErrorCode::kInvalidArgument);  // the front checks the index
  EXPECT_EQ(v.scheduler_stats().runs, 11u);

  auto model = v.create_infer_model("net.fake");
  ASSERT_TRUE(model) << model.error().what();
  EXPECT_EQ(model->name(), "fake-net");
  EXPECT_EQ(model->metadata_json(), "{\"fake\":true}");
  auto configured = model->configure();
  ASSERT_TRUE(configured) << configured.error().what();
  auto bindings = configured->create_bindings();
  ASSERT_TRUE(bindings);
  std::array<std::int8_t, 4> in{1, 2, 3, 4}, out{};
  // The front refuses bindings without buffers before the backend sees them.
  EXPECT_EQ(configured->run(*bindings).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(calls_.runs, 0);
  ASSERT_TRUE(bindings->input()->set_buffer(std::as_bytes(std::span(in))));
  ASSERT_TRUE(bindings->output()->set_buffer(std::span<std::byte>(std::as_writable_bytes(std::span(out)))));
  auto info = configured->run(*bindings);
  ASSERT_TRUE(info) << info.error().what();
  EXPECT_EQ(info->device_cycles, 42u);
  EXPECT_EQ(out, (std::array<std::int8_t, 4>{2, 3, 4, 5}));
  auto job = configured->run_async(*bindings);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->wait(1s)->device_cycles, 42u);
  EXPECT_EQ(calls_.async_runs, 1);
  EXPECT_EQ(configured->async_queue_size(), 3u);
  ASSERT_TRUE(configured->set_scheduler_priority(9));
  EXPECT_EQ(calls_.priority, 9);

  auto llm = genai::LLM::create(v, {.model_path = "m.fake"});
  ASSERT_TRUE(llm) << llm.error().what();
  EXPECT_EQ((*llm)->info().name, "fake-llm");
  EXPECT_EQ((*llm)->context_capacity(), 99u);
  EXPECT_EQ((*llm)->default_params().temperature, 0.25f);
  auto gen = (*llm)->generate("hi");
  ASSERT_TRUE(gen) << gen.error().what();
  // The front keeps the running generation: a second one, a prefill or a clear waits for it.
  EXPECT_EQ((*llm)->generate("again").error().code(), ErrorCode::kBusy);
  EXPECT_EQ((*llm)->prefill(std::vector<genai::TokenId>{1, 2}).error().code(), ErrorCode::kBusy);
  EXPECT_EQ((*llm)->clear_context().error().code(), ErrorCode::kBusy);
  EXPECT_EQ(calls_.generations, 1);
  auto text = gen->read_all(1s);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "hello");
  ASSERT_TRUE((*llm)->prefill(std::vector<genai::TokenId>{1, 2}));
  EXPECT_EQ((*llm)->context_usage(), 2u);
  // Destroying a session aborts its running generation.
  auto second = (*llm)->generate("more");
  ASSERT_TRUE(second);
  llm->reset();
  EXPECT_EQ(calls_.aborts, 1);
  EXPECT_EQ(second->status(), genai::GenerationStatus::kAborted);
}

TEST_F(Seam, AModelFileOfAnotherKindIsRefusedNamingTheBackend) {
  use({fake_device("fake:0", true)});
  auto fake = VDevice::create({.device_ids = {"fake:0"}});
  ASSERT_TRUE(fake) << fake.error().what();
  auto npk = (*fake)->create_infer_model("net.npk");
  ASSERT_FALSE(npk);
  EXPECT_EQ(npk.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(npk.error().message().find("(fake)"), std::string::npos) << npk.error().message();
  EXPECT_NE(npk.error().message().find("in-process"), std::string::npos) << npk.error().message();
  // The simulator runs .npk only; a .fake file names the backend that runs it.
  auto sim = VDevice::create({.device_ids = {"sim:0"}});
  ASSERT_TRUE(sim) << sim.error().what();
  auto other = genai::LLM::create(**sim, {.model_path = "m.fake"});
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message().find("fake backend"), std::string::npos) << other.error().message();
}

TEST_F(Seam, HefOnTheInProcessBackendIsAClearError) {
  auto sim = VDevice::create({.device_ids = {"sim:0"}});
  ASSERT_TRUE(sim) << sim.error().what();
  EXPECT_EQ((*sim)->selection().backend, "in-process");
  for (const auto& e : {(*sim)->create_infer_model("yolov8.hef").error(),
                        genai::LLM::create(**sim, {.model_path = "qwen.HEF"}).error()}) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(e.message().find("HailoRT"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find(".npk"), std::string::npos) << e.message();
  }
}

TEST_F(Seam, DefaultPicksAUsableAcceleratorOverTheSimulatorAndSaysSo) {
  use({fake_device("fake:0", false, "busy"), fake_device("fake:1", true)});
  auto v = VDevice::create();
  ASSERT_TRUE(v) << v.error().what();
  EXPECT_EQ((*v)->selection().backend, "fake");
  EXPECT_EQ((*v)->identity(0).info.id, "fake:1");
  EXPECT_NE((*v)->selection().reason.find("accelerator"), std::string::npos) << (*v)->selection().reason;
}

TEST_F(Seam, WithoutAnAcceleratorTheDefaultIsTheSimulator) {
  auto v = VDevice::create();
  ASSERT_TRUE(v) << v.error().what();
  EXPECT_EQ((*v)->identity(0).info.id, "sim:0");
  EXPECT_NE((*v)->selection().reason.find("simulator"), std::string::npos) << (*v)->selection().reason;
}

TEST_F(Seam, AnAcceleratorThatCannotBeUsedIsAnErrorNotASilentFallBack) {
  use({fake_device("fake:0", false, "bound to vendor_pci: install FakeRT")});
  auto v = VDevice::create();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), ErrorCode::kUnsupported);
  const auto& m = v.error().message();
  EXPECT_NE(m.find("fake:0"), std::string::npos) << m;
  EXPECT_NE(m.find("install FakeRT"), std::string::npos) << m;
  EXPECT_NE(m.find("sim:0"), std::string::npos) << m;
  EXPECT_NE(m.find("NPU_SIM_DEVICES"), std::string::npos) << m;
  // Asking for the simulator still works: by id, or through NPU_SIM_DEVICES.
  auto by_id = VDevice::create({.device_ids = {"sim:0"}});
  ASSERT_TRUE(by_id) << by_id.error().what();
  EXPECT_EQ((*by_id)->identity(0).info.id, "sim:0");
  by_id->reset();  // (a device is opened once per process)
  ::setenv("NPU_SIM_DEVICES", "1", 1);
  auto by_env = VDevice::create();
  ASSERT_TRUE(by_env) << by_env.error().what();
  EXPECT_EQ((*by_env)->identity(0).info.id, "sim:0");
  EXPECT_NE((*by_env)->selection().reason.find("NPU_SIM_DEVICES"), std::string::npos);
}

TEST_F(Seam, OneVDeviceRunsOnOneBackend) {
  use({fake_device("fake:0", true)});
  auto mixed = VDevice::create({.device_ids = {"sim:0", "fake:0"}});
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(mixed.error().message().find("different backends"), std::string::npos) << mixed.error().message();
  auto unknown = VDevice::create({.device_ids = {"warp:0"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message().find("in-process"), std::string::npos) << unknown.error().message();
  auto twice = VDevice::create({.device_ids = {"sim:0", "sim:0"}});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message().find("listed twice"), std::string::npos);
}

// select_devices() on its own: scans only for the default choice, "all" and the service backend.
TEST(DeviceSelection, AllTakesEveryUsableDeviceOfTheChosenBackend) {
  Calls calls;
  auto fake = std::make_shared<FakeBackend>(std::vector<DeviceInfo>{}, calls);
  DeviceInfo sim0, sim1;
  sim0.id = "sim:0";
  sim1.id = "sim:1";
  sim0.backend = sim1.backend = "sim";
  sim0.usable = sim1.usable = true;
  const std::vector<backend::BackendDevices> seen = {
      {fake, {fake_device("fake:0", true), fake_device("fake:1", false), fake_device("fake:2", true)}},
      {fake, {sim0, sim1}}};
  int scans = 0;
  auto scan = [&]() -> Expected<std::vector<backend::BackendDevices>> {
    ++scans;
    return seen;
  };
  auto all = backend::select_devices({.device_ids = {"all"}}, {fake}, scan, false);
  ASSERT_TRUE(all) << all.error().what();
  EXPECT_EQ(all->device_ids, (std::vector<std::string>{"fake:0", "fake:2"}));
  auto sims = backend::select_devices({.device_ids = {"all"}}, {fake}, scan, true);
  ASSERT_TRUE(sims);
  EXPECT_EQ(sims->device_ids, (std::vector<std::string>{"sim:0", "sim:1"}));
  EXPECT_EQ(scans, 2);
  auto explicit_ids = backend::select_devices({.device_ids = {"fake:1"}}, {fake}, scan, false);
  ASSERT_TRUE(explicit_ids);
  EXPECT_EQ(scans, 2);  // explicit ids need no scan
  VDeviceParams multi;
  multi.multi_process = true;
  auto service = backend::select_devices(multi, {fake}, scan, false);
  ASSERT_FALSE(service);  // no service backend among these
  EXPECT_EQ(service.error().code(), ErrorCode::kUnsupported);
}

TEST(DeviceProfile, LayersAndTraceComeFromTheRuntimesOwnRecords) {
  ProfileData p;
  p.clock_khz = 1000;  // 1 cycle = 1 us
  auto op = [](std::uint32_t layer, std::uint64_t start, std::uint64_t cycles, bool memory) {
    ProfileRecord r;
    r.kind = ProfileKind::kOp;
    r.op = "linear";
    r.context_id = 4;
    r.layer = layer;
    r.start_cycle = start;
    r.end_cycle = start + cycles;
    r.compute_cycles = memory ? 1 : cycles;
    r.memory_cycles = memory ? cycles : 1;
    r.bytes = 100;
    r.energy_j = 1e-6;
    return r;
  };
  p.records = {op(1, 0, 10, false), op(0, 10, 5, true), op(kNoLayer, 15, 2, false), op(1, 17, 10, false)};
  ProfileRecord dma;
  dma.kind = ProfileKind::kDmaH2D;
  dma.bytes = 64;
  dma.end_cycle = 3;
  p.records.push_back(dma);
  const auto layers = summarize_layers(p.records);
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0].layer, 0u);
  EXPECT_TRUE(layers[0].memory_bound());
  EXPECT_EQ(layers[1].layer, 1u);
  EXPECT_EQ(layers[1].ops, 2u);
  EXPECT_EQ(layers[1].cycles, 20u);
  EXPECT_EQ(layers[1].bytes, 200u);
  EXPECT_FALSE(layers[1].memory_bound());
  EXPECT_EQ(layers[2].layer, kNoLayer);
  EXPECT_TRUE(summarize_layers(p.records, 5).empty());  // another context
  const std::string trace = chrome_trace_json(p, "sim", std::vector<std::pair<std::uint32_t, std::string>>{{4, "tbt"}});
  EXPECT_NE(trace.find("\"linear L1\""), std::string::npos);
  EXPECT_NE(trace.find("\"tbt\""), std::string::npos);
  EXPECT_NE(trace.find("\"dma_h2d\""), std::string::npos);
}

}  // namespace
}  // namespace npu::test
