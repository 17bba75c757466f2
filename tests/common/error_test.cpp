#include <gtest/gtest.h>

#include "npu/common/error.hpp"

namespace {

npu::Expected<int> parse_positive(int v) {
  if (v <= 0) return npu::fail(npu::ErrorCode::kInvalidArgument, "value must be positive");
  return v;
}

npu::Expected<int> doubled(int v) {
  NPU_TRY_ASSIGN(int x, parse_positive(v));
  return 2 * x;
}

npu::Expected<void> check(int v) {
  NPU_TRY(parse_positive(v));
  return {};
}

TEST(Error, TryPropagatesErrorAndValue) {
  ASSERT_TRUE(doubled(4).has_value());
  EXPECT_EQ(*doubled(4), 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), npu::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(check(0).has_value());
  EXPECT_TRUE(check(1).has_value());
}

TEST(Error, WhatAndContext) {
  npu::Error e(npu::ErrorCode::kTimeout, "no answer");
  EXPECT_EQ(e.what(), "timeout: no answer");
  EXPECT_EQ(e.with_context("mailbox").message(), "mailbox: no answer");
  EXPECT_EQ(e.with_context("mailbox").code(), npu::ErrorCode::kTimeout);
}

}  // namespace
