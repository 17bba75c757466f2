// Test double of the part of HailoRT's C++ interface (5.x) that npustack's HailoRT backend calls:
// the same namespaces, classes and member signatures, with behaviour scripted by the tests through
// hailort_double/world.hpp. Written for npustack's tests; not HailoRT's code.
#ifndef NPU_TEST_HAILORT_DOUBLE_HPP
#define NPU_TEST_HAILORT_DOUBLE_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hailo/hailort.h"

namespace hailort {

class Unexpected {
 public:
  explicit Unexpected(hailo_status status) : status_(status) {}
  [[nodiscard]] hailo_status status() const { return status_; }

 private:
  hailo_status status_;
};
inline Unexpected make_unexpected(hailo_status status) { return Unexpected(status); }

template <typename T>
class Expected {
 public:
  Expected(T&& value) : value_(std::move(value)), status_(HAILO_SUCCESS) {}  // NOLINT: implicit as in HailoRT
  Expected(const T& value) : value_(value), status_(HAILO_SUCCESS) {}         // NOLINT
  Expected(Unexpected unexpected) : status_(unexpected.status()) {}           // NOLINT
  Expected(Expected&&) = default;
  Expected(hailo_status) = delete;

  [[nodiscard]] bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }
  [[nodiscard]] hailo_status status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T release() { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  hailo_status status_;
};

class Buffer final {
 public:
  explicit Buffer(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  uint8_t* data() noexcept { return bytes_.data(); }
  const uint8_t* data() const noexcept { return bytes_.data(); }
  size_t size() const noexcept { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};
using BufferPtr = std::shared_ptr<Buffer>;

class MemoryView final {
 public:
  MemoryView() noexcept = default;
  MemoryView(void* data, size_t size) noexcept : data_(static_cast<uint8_t*>(data)), size_(size) {}
  static const MemoryView create_const(const void* data, size_t size) noexcept {
    return MemoryView(const_cast<void*>(data), size);
  }
  uint8_t* data() noexcept { return data_; }
  const uint8_t* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

class Device {
 public:
  static Expected<std::vector<std::string>> scan();
  static Expected<std::unique_ptr<Device>> create(const std::string& device_id);
  explicit Device(std::string id) : id_(std::move(id)) {}
  virtual ~Device() = default;
  virtual Expected<hailo_device_identity_t> identify();

 private:
  std::string id_;
};

class InferModel;
class ConfiguredInferModel;
struct AsyncInferCompletionInfo {
  AsyncInferCompletionInfo(hailo_status s) : status(s) {}  // NOLINT: implicit as in HailoRT
  hailo_status status;
};

class VDevice {
 public:
  static Expected<std::shared_ptr<VDevice>> create_shared(const hailo_vdevice_params_t& params);
  virtual ~VDevice() = default;
  virtual Expected<std::shared_ptr<InferModel>> create_infer_model(const std::string& hef_path,
                                                                   const std::string& name = "");
  virtual Expected<std::vector<std::string>> get_physical_devices_ids() const;

  struct State;
  explicit VDevice(std::shared_ptr<State> state) : state_(std::move(state)) {}
  [[nodiscard]] const std::shared_ptr<State>& state() const { return state_; }

 private:
  std::shared_ptr<State> state_;
};

class AsyncInferJob {
 public:
  AsyncInferJob() = default;
  AsyncInferJob(AsyncInferJob&&) = default;
  AsyncInferJob& operator=(AsyncInferJob&&) = default;
  ~AsyncInferJob();
  hailo_status wait(std::chrono::milliseconds timeout);
  void detach();

  struct State;
  explicit AsyncInferJob(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
  bool detached_ = false;
};

class ConfiguredInferModel {
 public:
  class Bindings {
   public:
    class InferStream {
     public:
      hailo_status set_buffer(MemoryView view);
      Expected<MemoryView> get_buffer() const;
      explicit InferStream(std::shared_ptr<MemoryView> slot) : slot_(std::move(slot)) {}

     private:
      std::shared_ptr<MemoryView> slot_;
    };
    Bindings() = default;
    Expected<InferStream> input(const std::string& name);
    Expected<InferStream> output(const std::string& name);

    std::map<std::string, std::shared_ptr<MemoryView>> inputs, outputs;  // (the double's own)
  };

  ConfiguredInferModel() = default;
  Expected<Bindings> create_bindings();
  hailo_status wait_for_async_ready(std::chrono::milliseconds timeout, uint32_t frames_count = 1);
  hailo_status run(const Bindings& bindings, std::chrono::milliseconds timeout);
  Expected<AsyncInferJob> run_async(const Bindings& bindings,
                                    std::function<void(const AsyncInferCompletionInfo&)> callback =
                                        [](const AsyncInferCompletionInfo&) {});
  hailo_status set_scheduler_timeout(const std::chrono::milliseconds& timeout);
  hailo_status set_scheduler_threshold(uint32_t threshold);
  hailo_status set_scheduler_priority(uint8_t priority);
  Expected<size_t> get_async_queue_size() const;
  hailo_status shutdown();

  struct State;
  explicit ConfiguredInferModel(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

class InferModel {
 public:
  class InferStream {
   public:
    const std::string name() const;
    hailo_3d_image_shape_t shape() const;
    hailo_format_t format() const;
    size_t get_frame_size() const;
    std::vector<hailo_quant_info_t> get_quant_infos() const;

    struct Info;
    explicit InferStream(std::shared_ptr<const Info> info) : info_(std::move(info)) {}

   private:
    std::shared_ptr<const Info> info_;
  };
  virtual ~InferModel() = default;
  virtual void set_batch_size(uint16_t batch_size);
  virtual Expected<ConfiguredInferModel> configure();
  virtual const std::vector<InferStream>& inputs() const;
  virtual const std::vector<InferStream>& outputs() const;

  struct State;
  explicit InferModel(std::shared_ptr<State> state);

 private:
  std::shared_ptr<State> state_;
  std::vector<InferStream> inputs_, outputs_;
};

namespace genai {

class LLM;

class LLMParams {
 public:
  LLMParams() = default;
  LLMParams(const std::string& hef_path, const std::string& lora_name = "", bool optimize_memory_on_device = false)
      : hef_(hef_path), lora_(lora_name), optimize_(optimize_memory_on_device) {}
  const std::string& hef() const { return hef_; }
  const std::string& lora() const { return lora_; }
  bool optimize_memory_on_device() const { return optimize_; }

 private:
  std::string hef_, lora_;
  bool optimize_ = false;
};

class LLMGeneratorParams {
 public:
  hailo_status set_temperature(float32_t temperature) { temperature_ = temperature; return HAILO_SUCCESS; }
  float32_t temperature() const { return temperature_; }
  hailo_status set_top_p(float32_t top_p) { top_p_ = top_p; return HAILO_SUCCESS; }
  float32_t top_p() const { return top_p_; }
  hailo_status set_top_k(uint32_t top_k) { top_k_ = top_k; return HAILO_SUCCESS; }
  uint32_t top_k() const { return top_k_; }
  hailo_status set_frequency_penalty(float32_t p) { frequency_penalty_ = p; return HAILO_SUCCESS; }
  float32_t frequency_penalty() const { return frequency_penalty_; }
  hailo_status set_max_generated_tokens(uint32_t n) { max_generated_tokens_ = n; return HAILO_SUCCESS; }
  uint32_t max_generated_tokens() const { return max_generated_tokens_; }
  hailo_status set_do_sample(bool do_sample) { do_sample_ = do_sample; return HAILO_SUCCESS; }
  bool do_sample() const { return do_sample_; }
  hailo_status set_seed(uint32_t seed) { seed_ = seed; return HAILO_SUCCESS; }
  uint32_t seed() const { return seed_; }

  LLMGeneratorParams(float32_t temperature, float32_t top_p, uint32_t top_k, float32_t frequency_penalty,
                     uint32_t max_generated_tokens, bool do_sample, uint32_t seed)
      : temperature_(temperature), top_p_(top_p), top_k_(top_k), frequency_penalty_(frequency_penalty),
        max_generated_tokens_(max_generated_tokens), do_sample_(do_sample), seed_(seed) {}

 private:
  float32_t temperature_;
  float32_t top_p_;
  uint32_t top_k_;
  float32_t frequency_penalty_;
  uint32_t max_generated_tokens_;
  bool do_sample_;
  uint32_t seed_;
};

class LLMGeneratorCompletion final {
 public:
  enum class Status { GENERATING = 0, MAX_TOKENS_REACHED, LOGICAL_END_OF_GENERATION, ABORTED, COUNT };
  static constexpr std::chrono::milliseconds DEFAULT_READ_TIMEOUT = std::chrono::seconds(10);

  LLMGeneratorCompletion(LLMGeneratorCompletion&&);
  LLMGeneratorCompletion(const LLMGeneratorCompletion&) = delete;
  LLMGeneratorCompletion& operator=(LLMGeneratorCompletion&&) = delete;
  LLMGeneratorCompletion& operator=(const LLMGeneratorCompletion&) = delete;
  ~LLMGeneratorCompletion();

  Expected<std::string> read(std::chrono::milliseconds timeout = DEFAULT_READ_TIMEOUT);
  Status generation_status() const;
  hailo_status abort();

  class Impl;
  explicit LLMGeneratorCompletion(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

class LLMGenerator {
 public:
  LLMGenerator(LLMGenerator&&);
  LLMGenerator& operator=(LLMGenerator&&) = delete;
  LLMGenerator(const LLMGenerator&) = delete;
  LLMGenerator& operator=(const LLMGenerator&) = delete;
  virtual ~LLMGenerator();
  hailo_status write(const std::string& prompt);
  Expected<LLMGeneratorCompletion> generate();

  struct State;
  explicit LLMGenerator(std::shared_ptr<State> state);

 private:
  std::shared_ptr<State> state_;
};

class LLM {
 public:
  static Expected<LLM> create(std::shared_ptr<VDevice> vdevice, const LLMParams& llm_params);
  Expected<LLMGeneratorParams> create_generator_params();
  Expected<LLMGenerator> create_generator(const LLMGeneratorParams& params);
  Expected<LLMGeneratorCompletion> generate(const LLMGeneratorParams& params,
                                            const std::vector<std::string>& prompt_json_strings,
                                            const std::vector<std::string>& tools_json_strings = {});
  Expected<std::vector<int>> tokenize(const std::string& prompt);
  Expected<size_t> get_context_usage_size();
  Expected<size_t> max_context_capacity();
  hailo_status clear_context();
  Expected<BufferPtr> save_context();
  hailo_status load_context(const MemoryView& context);
  hailo_status set_generation_recovery_sequence(const std::string& sequence);
  Expected<std::string> get_generation_recovery_sequence();
  Expected<std::string> prompt_template();
  hailo_status set_stop_tokens(const std::vector<std::string>& stop_tokens);
  Expected<std::vector<std::string>> get_stop_tokens();

  LLM(LLM&&);
  LLM& operator=(LLM&&) = delete;
  LLM(const LLM&) = delete;
  LLM& operator=(const LLM&) = delete;
  virtual ~LLM();

  struct State;
  explicit LLM(std::shared_ptr<State> state);

 private:
  std::shared_ptr<State> state_;
};

}  // namespace genai
}  // namespace hailort

#endif  // NPU_TEST_HAILORT_DOUBLE_HPP
