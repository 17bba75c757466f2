// Test fixture for the HailoRT backend over the HailoRT test double: registers the backend with
// the runtime's registry (as the composition root does where HailoRT is built in), resets the
// double's world, and gives temporary .hef files (HailoRT opens files by path; the double keys
// its scripted models by that path).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "backend/registry.hpp"
#include "hailort/hailort_backend.hpp"
#include "hailort_double/world.hpp"

namespace npu::test {

class HailortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world().reset();
    if (const char* sim = std::getenv("NPU_SIM_DEVICES")) saved_sim_ = sim;
    ::unsetenv("NPU_SIM_DEVICES");  // the default choice must consider real devices
    backend_ = hailort_backend::make_backend();
    backend::register_backend(backend_);
    dir_ = std::filesystem::temp_directory_path() /
           ("npu_hailort_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    backend::unregister_backend(backend_);
    if (saved_sim_) ::setenv("NPU_SIM_DEVICES", saved_sim_->c_str(), 1);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    world().reset();
  }

  static hailort_double::World& world() { return hailort_double::World::get(); }

  // A Hailo-10H at 0001:01:00.0 with firmware of HailoRT's release.
  static hailort_double::FakeDevice& add_hailo10h(const std::string& id = "0001:01:00.0") {
    hailort_double::FakeDevice d;
    d.id = id;
    world().devices.push_back(d);
    return world().devices.back();
  }

  // A file `name` (its bytes do not matter to the double) registered as a network or an LLM.
  std::string hef_file(const std::string& name) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << "HEF test file\n";
    return path;
  }
  std::string add_network(const std::string& name, hailort_double::FakeNetwork net) {
    auto path = hef_file(name);
    world().networks[path] = std::move(net);
    return path;
  }
  std::string add_llm(const std::string& name, hailort_double::FakeLlm llm) {
    auto path = hef_file(name);
    world().llms[path] = std::move(llm);
    return path;
  }

  std::filesystem::path dir_;

 private:
  std::shared_ptr<backend::Backend> backend_;
  std::optional<std::string> saved_sim_;
};

}  // namespace npu::test
