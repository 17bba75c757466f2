// A client process for the npud tests: runs a model through a multi-process VDevice and writes
// every output to a file.
//   npud_test_client MODEL.npk SEED RUNS OUT_FILE sync|async|forever|llm-forever [MARKER_FILE]
// "forever" keeps async runs going until killed; it creates MARKER_FILE after its first run.
// "llm-forever": MODEL is an LLM; greedy generations one after another until killed, MARKER_FILE
// after the first token. "llm-hold": opens the LLM, writes the device's free memory before and
// after into OUT_FILE, creates MARKER_FILE and waits until killed (memory measurements).
// "held": one synchronous run (60 s timeout) of a model whose threshold (2) it never reaches;
// MARKER_FILE just before it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "test_inputs.hpp"

namespace {

int llm_forever(npu::VDevice& vdevice, const char* npk, const char* marker) {
  auto llm = npu::genai::LLM::create(vdevice, {.model_path = npk});
  if (!llm) {
    std::fprintf(stderr, "%s\n", llm.error().what().c_str());
    return 10;
  }
  npu::genai::GeneratorParams params;
  params.greedy = true;
  params.ignore_end_tokens = true;
  params.max_generated_tokens = 40;
  const std::vector<npu::genai::TokenId> prompt{20, 57, 94, 131};
  bool marked = false;
  while (true) {
    if (!(*llm)->clear_context()) return 11;
    auto gen = (*llm)->generate(std::span<const npu::genai::TokenId>(prompt), params);
    if (!gen) return 12;
    while (true) {
      auto out = gen->read(std::chrono::seconds(30));
      if (!out) return 13;
      if (out->kind == npu::genai::OutputKind::kEnd) break;
      if (!marked && marker != nullptr) {
        std::ofstream(marker) << "generating\n";
        marked = true;
      }
    }
  }
}

int llm_hold(npu::VDevice& vdevice, const char* npk, const char* out_file, const char* marker) {
  auto before = vdevice.stats(0);
  auto llm = npu::genai::LLM::create(vdevice, {.model_path = npk});
  auto after = vdevice.stats(0);
  if (!llm || !before || !after) {
    std::fprintf(stderr, "%s\n", llm ? "device stats failed" : llm.error().what().c_str());
    return 14;
  }
  std::ofstream(out_file) << before->device_memory_free << " " << after->device_memory_free << "\n";
  if (marker != nullptr) std::ofstream(marker) << "loaded\n";
  while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s MODEL.npk SEED RUNS OUT_FILE sync|async|forever [MARKER]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[5];
  const auto seed = std::strtoull(argv[2], nullptr, 10);
  const auto runs = std::strtoull(argv[3], nullptr, 10);
  npu::VDeviceParams params;
  params.multi_process = true;
  auto vdevice = npu::VDevice::create(params);
  if (!vdevice) {
    std::fprintf(stderr, "%s\n", vdevice.error().what().c_str());
    return 3;
  }
  if (mode == "llm-forever") return llm_forever(**vdevice, argv[1], argc > 6 ? argv[6] : nullptr);
  if (mode == "llm-hold") return llm_hold(**vdevice, argv[1], argv[4], argc > 6 ? argv[6] : nullptr);
  auto model = (*vdevice)->create_infer_model(argv[1]);
  if (!model) return 4;
  auto configured = model->configure();
  if (!configured) {
    std::fprintf(stderr, "%s\n", configured.error().what().c_str());
    return 5;
  }
  const auto in_size = model->inputs()[0].size, out_size = model->outputs()[0].size;
  if (mode == "held") {
    if (!configured->set_scheduler_threshold(2)) return 15;
    std::vector<std::int8_t> input(in_size), output(out_size);
    auto bindings = configured->create_bindings();
    if (!bindings || !bindings->input()->set_buffer(std::as_bytes(std::span(input))) ||
        !bindings->output()->set_buffer(std::as_writable_bytes(std::span(output)))) {
      return 16;
    }
    if (argc > 6) std::ofstream(argv[6]) << "running\n";
    return configured->run(*bindings, std::chrono::seconds(60)) ? 0 : 17;
  }
  std::ofstream out(argv[4], std::ios::binary);
  for (std::uint64_t r = 0; mode == "forever" || r < runs; ++r) {
    auto input = npu::test::run_input(in_size, seed, r);
    std::vector<std::int8_t> output(out_size);
    auto bindings = configured->create_bindings();
    if (!bindings) return 6;
    if (!bindings->input()->set_buffer(std::as_bytes(std::span(input))) ||
        !bindings->output()->set_buffer(std::as_writable_bytes(std::span(output)))) {
      return 7;
    }
    npu::Expected<npu::RunInfo> info = npu::fail(npu::ErrorCode::kInternal, "not run");
    if (mode == "sync") {
      info = configured->run(*bindings);
    } else {
      auto job = configured->run_async(*bindings);
      if (!job) return 8;
      info = job->wait(std::chrono::seconds(30));
    }
    if (!info) {
      std::fprintf(stderr, "run %llu: %s\n", static_cast<unsigned long long>(r), info.error().what().c_str());
      return 9;
    }
    out.write(reinterpret_cast<const char*>(output.data()), static_cast<std::streamsize>(output.size()));
    if (mode == "forever" && r == 0 && argc > 6) std::ofstream(argv[6]) << "running\n";
  }
  return 0;
}
