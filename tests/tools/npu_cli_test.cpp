// Runs the built `npu` binary (NPU_CLI_PATH) and checks its --json output and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/compiler/net_compiler.hpp"
#include "npu/compiler/net_reference.hpp"
#include "npu/compiler/net_spec.hpp"
#include "npu_abi/version.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
  int exit_code = -1;
  std::string out, err;
};

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / ("npu_cli_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

Result run_npu(const std::string& args) {
  fs::path err_file = temp_dir() / "stderr.txt";
  std::string cmd = std::string("\"") + NPU_CLI_PATH + "\" " + args + " 2>\"" + err_file.string() + "\"";
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  return r;
}

nlohmann::json parse(const Result& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not one JSON object: " << r.out;
  EXPECT_TRUE(j.is_object());
  return j;
}

const std::string kMlp = std::string(NPU_SOURCE_DIR) + "/examples/networks/mlp.json";

}  // namespace

TEST(NpuCli, ScanJson) {
  auto r = run_npu("scan --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse(r);
  ASSERT_GE(j["count"].get<int>(), 1);
  EXPECT_EQ(j["devices"][0]["id"], "sim:0");
  EXPECT_EQ(j["devices"][0]["usable"], true);
  EXPECT_TRUE(j["devices"][0].contains("link"));
}

TEST(NpuCli, IdentifyJson) {
  auto r = run_npu("identify --device sim:0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse(r);
  EXPECT_EQ(j["id"], "sim:0");
  // The running firmware speaks this build's ABI (npu_abi/version.hpp).
  EXPECT_EQ(j["abi_version"], fmt::format("{}.{}", npu::abi::kAbiMajor, npu::abi::kAbiMinor));
  EXPECT_FALSE(j["board"].get<std::string>().empty());
  EXPECT_FALSE(j["firmware_version"].get<std::string>().empty());
  EXPECT_EQ(j["profile"], "hailo10h");
  EXPECT_GT(j["ddr_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_GT(j["sram_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_GT(j["clock_khz"].get<std::uint32_t>(), 0u);
  EXPECT_FALSE(j["link"].get<std::string>().empty());
}

TEST(NpuCli, IdentifySaysWhichDeviceTheDefaultIsAndWhy) {
  auto r = run_npu("identify --json");  // no accelerator on a test machine: the simulator
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse(r);
  EXPECT_EQ(j["id"], "sim:0");
  EXPECT_EQ(j["runtime_backend"], "in-process");
  EXPECT_NE(j["selection"].get<std::string>().find("simulator"), std::string::npos) << j.dump();
  auto explicit_id = parse(run_npu("identify --device sim:0 --json"));
  EXPECT_EQ(explicit_id["selection"], "as requested");
}

TEST(NpuCli, IdentifyUnknownDeviceFails) {
  auto r = run_npu("identify --device sim:63");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("npu identify:"), std::string::npos) << r.err;
}

TEST(NpuCli, CompileThenRunMatchesReference) {
  fs::path out = temp_dir() / "mlp.npk";
  auto c = run_npu("compile \"" + kMlp + "\" -o \"" + out.string() + "\" --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto cj = parse(c);
  EXPECT_EQ(cj["name"], "mlp");
  EXPECT_EQ(cj["layers"].size(), 3u);
  EXPECT_EQ(cj["parameters"], 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
  ASSERT_TRUE(fs::exists(out));

  // A known input from a file, so the output can be checked against the CPU reference.
  std::vector<std::int8_t> input(64);
  std::mt19937 rng(5);
  for (auto& v : input) v = static_cast<std::int8_t>(rng());
  fs::path in_file = temp_dir() / "input.bin";
  std::ofstream(in_file, std::ios::binary).write(reinterpret_cast<const char*>(input.data()), 64);

  auto r = run_npu("run \"" + out.string() + "\" --input input=\"" + in_file.string() + "\" -n 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse(r);
  EXPECT_EQ(j["model"], "mlp");
  ASSERT_EQ(j["runs"].size(), 3u);
  for (const auto& run : j["runs"]) {
    EXPECT_GT(run["device_time_us"].get<double>(), 0.0);
    EXPECT_GT(run["host_time_us"].get<double>(), 0.0);
    EXPECT_GT(run["device_cycles"].get<std::uint64_t>(), 0u);
  }
  auto spec = npu::compiler::net::load_net_spec(kMlp);
  auto net = npu::compiler::net::compile_net(*spec);
  auto expected = npu::compiler::net::reference_forward(*net, input);
  ASSERT_TRUE(expected.has_value());
  std::vector<int> want(expected->begin(), expected->end());
  EXPECT_EQ(j["outputs"][0]["name"], "logits");
  EXPECT_EQ(j["outputs"][0]["values"].get<std::vector<int>>(), want);
}

TEST(NpuCli, RunWithRandomInputsIsSeeded) {
  fs::path out = temp_dir() / "mlp_seeded.npk";
  ASSERT_EQ(run_npu("compile \"" + kMlp + "\" -o \"" + out.string() + "\"").exit_code, 0);
  auto a = parse(run_npu("run \"" + out.string() + "\" --seed 3 --json"));
  auto b = parse(run_npu("run \"" + out.string() + "\" --seed 3 --json"));
  auto c = parse(run_npu("run \"" + out.string() + "\" --seed 4 --json"));
  EXPECT_EQ(a["outputs"][0]["crc32"], b["outputs"][0]["crc32"]);
  EXPECT_NE(a["outputs"][0]["crc32"], c["outputs"][0]["crc32"]);
}

TEST(NpuCli, ErrorsGoToStderrWithExitCodes) {
  auto r = run_npu("run /nonexistent/model.npk");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("npu run:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/model.npk"), std::string::npos) << r.err;

  fs::path bad = temp_dir() / "bad.json";
  std::ofstream(bad) << R"({"input": {"shape": [4]}, "layers": [{"type": "dense", "units": 0}]})";
  r = run_npu("compile \"" + bad.string() + "\" -o \"" + (temp_dir() / "x.npk").string() + "\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("layers[0].units"), std::string::npos) << r.err;

  EXPECT_EQ(run_npu("frobnicate").exit_code, 2);
  EXPECT_EQ(run_npu("compile").exit_code, 2);
  EXPECT_EQ(run_npu("run x.npk --iterations 0").exit_code, 2);
}
