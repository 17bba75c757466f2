// `npu run MODEL.npk|MODEL.hef [--device ID] [--input NAME=FILE]... [--iterations N] [--seed S] [--json]`:
// runs a model and reports host wall time and the device's (modeled) time per run. Inputs come
// from raw files, or are seeded random bytes. It checks nothing: it is a runner.
#include <random>

#include <fmt/format.h>

#include "commands.hpp"
#include "npu/common/checksum.hpp"
#include "npu/common/file.hpp"
#include "npu/runtime.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct RunOpts {
  std::string model, device;
  std::vector<std::string> inputs;
  std::uint32_t iterations = 1;
  std::uint64_t seed = 1;
  bool json = false;
};

double us(std::chrono::nanoseconds t) { return static_cast<double>(t.count()) / 1000.0; }

Expected<std::vector<std::vector<std::byte>>> load_inputs(const RunOpts& o, const InferModel& model) {
  std::vector<std::vector<std::byte>> data;
  std::mt19937_64 rng(o.seed);
  for (const auto& s : model.inputs()) {
    std::vector<std::byte> buf(s.size);
    for (auto& b : buf) b = static_cast<std::byte>(rng());
    data.push_back(std::move(buf));
  }
  for (const auto& spec : o.inputs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("--input '{}': expected NAME=FILE", spec));
    }
    std::string name = spec.substr(0, eq);
    std::size_t i = 0;
    while (i < model.inputs().size() && model.inputs()[i].name != name) ++i;
    if (i == model.inputs().size()) {
      return fail(ErrorCode::kNotFound, fmt::format("--input '{}': the model has no input named '{}'", spec, name));
    }
    NPU_TRY_ASSIGN(auto file, MappedFile::open(spec.substr(eq + 1)));
    if (file.size() != data[i].size()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("--input '{}': file has {} bytes, input '{}' takes exactly {}", spec,
                              file.size(), name, data[i].size()));
    }
    std::copy(file.bytes().begin(), file.bytes().end(), data[i].begin());
  }
  return data;
}

Expected<nlohmann::json> run_model(const RunOpts& o) {
  VDeviceParams params;
  if (!o.device.empty()) params.device_ids = {o.device};
  NPU_TRY_ASSIGN(auto vdevice, VDevice::create(params));
  NPU_TRY_ASSIGN(auto model, vdevice->create_infer_model(o.model));
  NPU_TRY_ASSIGN(auto configured, model.configure());
  NPU_TRY_ASSIGN(auto inputs, load_inputs(o, model));
  std::vector<std::vector<std::byte>> outputs;
  NPU_TRY_ASSIGN(auto bindings, configured.create_bindings());
  for (std::size_t i = 0; i < model.inputs().size(); ++i) {
    NPU_TRY_ASSIGN(auto stream, bindings.input(model.inputs()[i].name));
    NPU_TRY(stream.set_buffer(std::span<const std::byte>(inputs[i])));
  }
  for (const auto& s : model.outputs()) {
    outputs.emplace_back(s.size);
    NPU_TRY_ASSIGN(auto stream, bindings.output(s.name));
    NPU_TRY(stream.set_buffer(std::span<std::byte>(outputs.back())));
  }
  nlohmann::json runs = nlohmann::json::array();
  for (std::uint32_t it = 0; it < o.iterations; ++it) {
    NPU_TRY_ASSIGN(auto info, configured.run(bindings));
    runs.push_back({{"iteration", it}, {"host_time_us", us(info.host_time)},
                    {"device_time_us", us(info.device_time)}, {"device_cycles", info.device_cycles}});
    if (!o.json && info.device_cycles == 0) {  // a device that reports no timing (HailoRT)
      fmt::print("run {:>3}: host {:9.1f} us   (the device reports no timing)\n", it, us(info.host_time));
    } else if (!o.json) {
      fmt::print("run {:>3}: host {:9.1f} us   device (modeled) {:9.1f} us   {} cycles\n", it,
                 us(info.host_time), us(info.device_time), info.device_cycles);
    }
  }
  nlohmann::json outs = nlohmann::json::array();
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    std::vector<int> values;
    const bool is_unsigned = model.outputs()[i].dtype == "uint8";  // .hef outputs are often uint8
    for (auto b : outputs[i]) {
      values.push_back(is_unsigned ? static_cast<int>(std::to_integer<std::uint8_t>(b)) : static_cast<std::int8_t>(b));
    }
    outs.push_back({{"name", model.outputs()[i].name}, {"shape", model.outputs()[i].shape},
                    {"crc32", crc32(outputs[i])}, {"values", values}});
    if (!o.json) fmt::print("output '{}': crc32 {:08x}\n", model.outputs()[i].name, crc32(outputs[i]));
  }
  const auto& id = vdevice->identity(0);
  return nlohmann::json{{"model", model.name()}, {"path", o.model}, {"device", id.info.id},
                        {"clock_khz", id.clock_khz}, {"batch_size", model.batch_size()},
                        {"runs", runs}, {"outputs", outs}};
}

}  // namespace

void add_run_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("run", "Run a compiled model and report its timing");
  auto o = std::make_shared<RunOpts>();
  cmd->add_option("model", o->model, "Compiled model (.npk; .hef on a Hailo device through HailoRT)")->required();
  cmd->add_option("-d,--device", o->device, "Device id from `npu scan`: sim:N, pcie:..., hailo:... "
                 "(default: a usable accelerator, else the simulator)");
  cmd->add_option("-i,--input", o->inputs, "NAME=FILE raw input bytes (default: seeded random)");
  cmd->add_option("-n,--iterations", o->iterations, "Number of runs")->check(CLI::Range(1u, 1000000u));
  cmd->add_option("--seed", o->seed, "Seed of the random inputs");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([&ctx, o] {
    auto result = run_model(*o);
    if (!result) {
      ctx.exit_code = report_error("run", result.error());
      return;
    }
    if (o->json) print_json(*result);
  });
}

}  // namespace npu::tools
