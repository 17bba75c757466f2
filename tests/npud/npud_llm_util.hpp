// Helpers the npud LLM tests share: a VDevice served by npud, and the in-process generation
// a session through npud must reproduce.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "llm_fixture.hpp"

namespace npu::test {

// A VDevice through npud (multi_process); nullptr, with a test failure, if npud does not answer.
inline std::unique_ptr<VDevice> remote_vdevice() {
  VDeviceParams params;
  params.multi_process = true;
  auto v = VDevice::create(params);
  EXPECT_TRUE(v.has_value()) << v.error().what();
  return v ? std::move(*v) : nullptr;
}

struct InProcess {
  std::vector<genai::TokenId> tokens;
  std::uint32_t usage = 0;
  std::optional<genai::TokenId> pending;
};

// n greedy tokens of `npk` after `prompt`, generated in this process on sim:0.
inline InProcess generate_in_process(const std::filesystem::path& npk, std::span<const genai::TokenId> prompt,
                                     std::uint32_t n) {
  VDeviceParams params;
  params.device_ids = {"sim:0"};
  auto vdevice = VDevice::create(params);
  EXPECT_TRUE(vdevice.has_value());
  InProcess r;
  if (!vdevice) return r;
  auto llm = genai::LLM::create(**vdevice, {.model_path = npk});
  EXPECT_TRUE(llm.has_value()) << llm.error().what();
  if (!llm) return r;
  auto gen = (*llm)->generate(prompt, greedy(n));
  EXPECT_TRUE(gen.has_value());
  if (!gen) return r;
  r.tokens = drain_tokens(*gen);
  r.usage = (*llm)->context_usage();
  r.pending = (*llm)->pending_token();
  return r;
}

}  // namespace npu::test
