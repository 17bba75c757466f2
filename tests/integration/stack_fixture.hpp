// Shared set-up of the end-to-end tests: compile a network JSON, write its .npk, and helpers to
// run it through the public runtime API on the simulator.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "npu/compiler/net_compiler.hpp"
#include "npu/compiler/net_reference.hpp"
#include "npu/compiler/net_spec.hpp"
#include "npu/runtime.hpp"

namespace npu::test {

inline std::filesystem::path temp_file(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("npu_integration_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

struct CompiledModel {
  compiler::net::CompiledNet net;
  std::filesystem::path path;
};

inline CompiledModel compile_file(const std::filesystem::path& json, const std::string& out_name) {
  auto spec = compiler::net::load_net_spec(json);
  EXPECT_TRUE(spec.has_value()) << spec.error().what();
  auto net = compiler::net::compile_net(*spec);
  EXPECT_TRUE(net.has_value()) << net.error().what();
  auto path = temp_file(out_name);
  auto written = compiler::net::write_npk(*net, path);
  EXPECT_TRUE(written.has_value()) << written.error().what();
  return {std::move(*net), path};
}

inline CompiledModel compile_text(std::string_view json, const std::string& out_name) {
  auto spec = compiler::net::parse_net_spec(json, out_name);
  EXPECT_TRUE(spec.has_value()) << spec.error().what();
  auto net = compiler::net::compile_net(*spec);
  EXPECT_TRUE(net.has_value()) << net.error().what();
  auto path = temp_file(out_name);
  EXPECT_TRUE(compiler::net::write_npk(*net, path).has_value());
  return {std::move(*net), path};
}

inline std::vector<std::int8_t> random_input(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(rng());
  return v;
}

// Bindings over caller-owned buffers for a single-input, single-output model.
inline Bindings bind_buffers(ConfiguredInferModel& configured, const std::vector<std::int8_t>& in,
                     std::vector<std::int8_t>& out) {
  auto bindings = configured.create_bindings();
  EXPECT_TRUE(bindings.has_value());
  auto i = bindings->input();
  auto o = bindings->output();
  EXPECT_TRUE(i && o);
  EXPECT_TRUE(i->set_buffer(std::as_bytes(std::span(in))).has_value());
  EXPECT_TRUE(o->set_buffer(std::as_writable_bytes(std::span(out))).has_value());
  return std::move(*bindings);
}

}  // namespace npu::test
