// A client process for the npud tests: runs a model through a multi-process VDevice and writes
// every output to a file.
//   npud_test_client MODEL.npk SEED RUNS OUT_FILE sync|async|forever [MARKER_FILE]
// "forever" keeps async runs going until killed; it creates MARKER_FILE after its first run.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "npu/runtime.hpp"
#include "test_inputs.hpp"

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
  auto model = (*vdevice)->create_infer_model(argv[1]);
  if (!model) return 4;
  auto configured = model->configure();
  if (!configured) {
    std::fprintf(stderr, "%s\n", configured.error().what().c_str());
    return 5;
  }
  const auto in_size = model->inputs()[0].size, out_size = model->outputs()[0].size;
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
