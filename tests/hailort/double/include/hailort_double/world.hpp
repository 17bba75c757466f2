// The scripted world behind the HailoRT test double: which Hailo devices exist, which .hef files
// are networks or LLMs and how they behave, and a record of what the backend asked HailoRT to do.
// Tests set it up (World::get().reset() first) and check the records afterwards.
//
// LLM completions follow HailoRT 5.x's documented behaviour: one read per token (special tokens
// as their text); the read that hits max_generated_tokens or follows abort() is followed by the
// recovery sequence's tokens, the last of them carrying MAX_TOKENS_REACHED / ABORTED; a token
// that completes a stop sequence carries LOGICAL_END_OF_GENERATION; read() after the end is
// HAILO_INVALID_OPERATION; a second completion while one is alive is refused.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hailo/hailort.hpp"

namespace hailort_double {

struct FakeDevice {
  std::string id = "0001:01:00.0";
  hailo_device_architecture_t architecture = HAILO_ARCH_HAILO10H;
  hailo_firmware_version_t firmware{5, 2, 0};
  std::string board = "Hailo-10H", serial = "HLLWMB0214500123", part = "HM21LB1C2LAE", product = "AI HAT+ 2";
  hailo_status open_status = HAILO_SUCCESS;     // Device::create fails with it (busy, driver mismatch)
  hailo_status vdevice_status = HAILO_SUCCESS;  // VDevice::create_shared fails with it
};

struct FakeStream {
  std::string name;
  hailo_3d_image_shape_t shape{1, 1, 8};
  hailo_format_type_t type = HAILO_FORMAT_TYPE_UINT8;
  float scale = 1.0f, zero_point = 0.0f;
};

using Buffers = std::map<std::string, hailort::MemoryView>;

struct FakeNetwork {
  std::vector<FakeStream> inputs, outputs;
  // Fills the outputs from the inputs. Default: every output byte i = first input's byte i + 1.
  std::function<void(const Buffers& in, Buffers& out)> compute;
  std::chrono::milliseconds run_time{0};
  hailo_status run_status = HAILO_SUCCESS;  // every run fails with it
  std::size_t queue_size = 4;               // async jobs in flight at most
};

struct ScriptedToken {
  std::string text;
  std::chrono::milliseconds delay{0};  // after the previous token
};

struct FakeLlm {
  std::vector<std::string> lora_names;  // LoRAs the .hef carries ("" is always accepted)
  std::size_t context_capacity = 4096;
  std::vector<std::string> stop_tokens{"<|im_end|>"};
  std::string recovery_sequence = "<|im_end|>";
  std::string prompt_template = "{% for m in messages %}...{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
  float temperature = 0.7f, top_p = 0.8f, frequency_penalty = 1.1f;
  uint32_t top_k = 20, max_generated_tokens = 1024;
  bool do_sample = true;
  hailo_status create_status = HAILO_SUCCESS;
  // What the model writes, one entry per generation; its last token ends the generation
  // (LOGICAL_END) if nothing else does before (a generation past the last entry writes "").
  std::deque<std::vector<ScriptedToken>> responses;
  // The read with this 0-based index (of the next generation) fails with this status.
  std::optional<std::pair<std::size_t, hailo_status>> read_failure;
};

// What the backend asked for.
struct VDeviceRecord {
  std::vector<std::string> device_ids;
  hailo_scheduling_algorithm_t algorithm = HAILO_SCHEDULING_ALGORITHM_NONE;
  std::string group_id;
  bool multi_process_service = false;
};
struct NetworkRecord {
  int configured = 0, runs = 0, async_runs = 0, shutdowns = 0;
  std::optional<uint8_t> priority;
  std::optional<uint32_t> threshold;
  std::optional<std::chrono::milliseconds> timeout;
};
struct LlmRecord {
  std::string lora;
  bool optimize_memory_on_device = false;
  int generations = 0, aborts = 0;
  std::vector<std::vector<std::string>> stop_token_sets;  // every set_stop_tokens call
  std::string last_prompt;                                 // raw prompt (write) of the last generation
  std::vector<std::string> last_messages, last_tools;      // JSON strings of the last generate()
  std::optional<hailort::genai::LLMGeneratorParams> last_params;
  std::size_t context_usage = 0;
  int clears = 0;  // clear_context calls that cleared
};

class World {
 public:
  static World& get();
  void reset();  // no devices, no files, empty records

  std::recursive_mutex mutex;  // the double's own lock (tests set up before the backend runs)
  hailo_version_t version{5, 2, 0};
  hailo_status scan_status = HAILO_SUCCESS;  // Device::scan fails with it (e.g. no driver)
  std::vector<FakeDevice> devices;
  std::map<std::string, FakeNetwork> networks;  // by .hef path as given to HailoRT
  std::map<std::string, FakeLlm> llms;          // by .hef path

  std::vector<VDeviceRecord> vdevices;
  std::map<std::string, NetworkRecord> network_records;
  std::map<std::string, LlmRecord> llm_records;
  int live_completions = 0;  // LLMGeneratorCompletion objects alive now
};

// The double's tokenizer: the model's markers are one token each, other text one token per word
// (with its leading spaces). Returns the pieces.
std::vector<std::string> split_tokens(const std::string& text);

}  // namespace hailort_double
