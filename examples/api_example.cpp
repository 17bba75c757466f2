// The runtime API in one page: open a device, load a compiled model, run it synchronously and
// asynchronously. Usage: api_example MODEL.npk   (make one with `npu compile examples/networks/mlp.json -o mlp.npk`)
#include <cstdio>
#include <vector>

#include <npu/runtime.hpp>

npu::Expected<void> run_example(const char* model_path) {
  NPU_TRY_ASSIGN(auto vdevice, npu::VDevice::create());  // the first device, simulated or real
  NPU_TRY_ASSIGN(auto model, vdevice->create_infer_model(model_path));
  NPU_TRY_ASSIGN(auto configured, model.configure());

  const npu::StreamInfo& in_info = model.inputs().at(0);
  const npu::StreamInfo& out_info = model.outputs().at(0);
  std::vector<std::int8_t> input(in_info.size, 1), output(out_info.size);

  NPU_TRY_ASSIGN(auto bindings, configured.create_bindings());
  NPU_TRY_ASSIGN(auto in, bindings.input(in_info.name));
  NPU_TRY(in.set_buffer(std::as_bytes(std::span(input))));
  NPU_TRY_ASSIGN(auto out, bindings.output(out_info.name));
  NPU_TRY(out.set_buffer(std::as_writable_bytes(std::span(output))));

  // Synchronous run.
  NPU_TRY_ASSIGN(npu::RunInfo info, configured.run(bindings));
  std::printf("run: device %.1f us (modeled), host %.1f us, first output %d\n",
              info.device_time.count() / 1e3, info.host_time.count() / 1e3, output[0]);

  // Asynchronous run: queue, then wait (a callback could be passed instead).
  NPU_TRY(configured.wait_for_async_ready(std::chrono::seconds(1)));
  NPU_TRY_ASSIGN(auto job, configured.run_async(bindings));
  NPU_TRY_ASSIGN(npu::RunInfo async_info, job.wait(std::chrono::seconds(5)));
  std::printf("run_async: device %.1f us, first output %d\n", async_info.device_time.count() / 1e3,
              output[0]);
  return {};
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.npk\n", argv[0]);
    return 2;
  }
  if (auto result = run_example(argv[1]); !result) {
    std::fprintf(stderr, "error: %s\n", result.error().what().c_str());
    return 1;
  }
  return 0;
}
