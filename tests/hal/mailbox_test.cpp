// Each mailbox command through the register protocol, including bad opcodes and payloads.
#include <gtest/gtest.h>

#include <cstring>

#include "npu/firmware/fw_image.hpp"
#include "npu/firmware/program.hpp"
#include "sim_host.hpp"

namespace npu::test {
namespace {

using abi::MboxOpcode;
using abi::MboxStatus;

std::unique_ptr<SimHost> booted() {
  auto host = SimHost::open();
  if (!host) return nullptr;
  auto s = host->boot();
  if (!s || *s != abi::DeviceState::kAlive) return nullptr;
  return host;
}

// A context with one NOP op whose program sits at device address 0.
abi::LoadContextRequest nop_context(SimHost& host, std::uint32_t id, std::uint64_t program_addr = 0) {
  abi::OpDesc nop{};
  auto program = fw::encode_program(std::span(&nop, 1));
  EXPECT_TRUE(host.write(program_addr, program));
  abi::LoadContextRequest req{};
  req.context_id = id;
  req.program_addr = program_addr;
  req.program_size = program.size();
  return req;
}

TEST(Mailbox, IdentifyReportsFirmwareAndProfile) {
  auto host = booted();
  ASSERT_TRUE(host);
  auto r = host->call(MboxOpcode::kIdentify);
  ASSERT_TRUE(r) << r.error().what();
  ASSERT_EQ(r->status, MboxStatus::kOk);
  EXPECT_EQ(r->message.header.payload_size, sizeof(abi::IdentifyResponse));
  auto id = r->payload<abi::IdentifyResponse>();
  EXPECT_EQ(id.device_magic, abi::kDeviceMagic);
  EXPECT_EQ(id.abi_version, abi::kAbiVersion);
  EXPECT_EQ(id.fw_version, abi::make_fw_version(0, 1, 0));
  EXPECT_EQ(id.ddr_bytes, 8ull << 30);
  EXPECT_GT(id.sram_bytes, 0u);
  EXPECT_GT(id.num_clusters, 0u);
  EXPECT_EQ(id.max_contexts, 16u);
  EXPECT_STREQ(id.fw_build_id, "test-build");
  EXPECT_STREQ(id.profile, "hailo10h");
  EXPECT_STREQ(id.board_name, "npustack-sim (hailo10h)");
  EXPECT_EQ(id.clock_khz, host->reg(abi::reg::kClockKhz));
}

TEST(Mailbox, BadOpcodeAndHeaderFields) {
  auto host = booted();
  ASSERT_TRUE(host);
  auto r = host->call(static_cast<MboxOpcode>(99));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, MboxStatus::kBadOpcode);
  r = host->call(MboxOpcode::kIdentify, {}, 241);  // payload larger than the window
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, MboxStatus::kBadArgs);
  abi::RunRequest run{};
  r = host->call(MboxOpcode::kRun, std::as_bytes(std::span(&run, 1)), 8);  // too short
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, MboxStatus::kBadArgs);
}

TEST(Mailbox, FeatureMissingFromManifestIsBadOpcode) {
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  auto manifest = fw::FirmwareManifest::current(abi::make_fw_version(0, 1, 0));
  std::erase(manifest.features, "mailbox.query_stats");
  ASSERT_EQ(host->boot(fw::build_firmware_image(manifest, "nostats")).value(), abi::DeviceState::kAlive);
  EXPECT_EQ(host->call(MboxOpcode::kQueryStats)->status, MboxStatus::kBadOpcode);
  EXPECT_EQ(host->call(MboxOpcode::kIdentify)->status, MboxStatus::kOk);
}

TEST(Mailbox, LoadRunUnloadResetAndStats) {
  auto host = booted();
  ASSERT_TRUE(host);
  auto load = nop_context(*host, 3);
  auto r = host->call(MboxOpcode::kLoadContext, load);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, MboxStatus::kOk);
  auto loaded = r->payload<abi::LoadContextResponse>();
  EXPECT_EQ(loaded.num_ops, 1u);
  EXPECT_GT(loaded.load_cycles, 0u);

  abi::RunRequest run{};
  run.context_id = 3;
  r = host->call(MboxOpcode::kRun, run);
  ASSERT_EQ(r->status, MboxStatus::kOk);
  auto ran = r->payload<abi::RunResponse>();
  EXPECT_EQ(ran.ops_executed, 1u);
  EXPECT_GE(ran.end_cycle, ran.start_cycle);

  run.first_op = 2;  // past the end
  EXPECT_EQ(host->call(MboxOpcode::kRun, run)->status, MboxStatus::kBadArgs);
  run.first_op = 0;
  run.num_ops = 2;
  EXPECT_EQ(host->call(MboxOpcode::kRun, run)->status, MboxStatus::kBadArgs);
  run.num_ops = 0;
  run.flags = 0x80;  // unknown flag
  EXPECT_EQ(host->call(MboxOpcode::kRun, run)->status, MboxStatus::kBadArgs);
  run.flags = 0;
  run.context_id = 4;
  EXPECT_EQ(host->call(MboxOpcode::kRun, run)->status, MboxStatus::kNoSuchContext);

  auto stats = host->call(MboxOpcode::kQueryStats);
  ASSERT_EQ(stats->status, MboxStatus::kOk);
  auto s = stats->payload<abi::StatsResponse>();
  EXPECT_EQ(s.runs, 1u);
  EXPECT_EQ(s.contexts_loaded, 1u);
  EXPECT_EQ(s.context_switches, 1u);
  EXPECT_EQ(s.mailbox_requests, 7u);
  EXPECT_GT(s.h2d_bytes, 0u);
  EXPECT_GT(s.cycles, 0u);
  EXPECT_LE(s.busy_cycles, s.cycles);
  const std::uint32_t lo = host->reg(abi::reg::kCyclesLo);
  EXPECT_GE((std::uint64_t{host->reg(abi::reg::kCyclesHi)} << 32) | lo, s.cycles);

  abi::UnloadContextRequest unload{3, 0};
  EXPECT_EQ(host->call(MboxOpcode::kUnloadContext, unload)->status, MboxStatus::kOk);
  EXPECT_EQ(host->call(MboxOpcode::kUnloadContext, unload)->status, MboxStatus::kNoSuchContext);
  unload.reserved = 1;
  EXPECT_EQ(host->call(MboxOpcode::kUnloadContext, unload)->status, MboxStatus::kBadArgs);

  ASSERT_EQ(host->call(MboxOpcode::kLoadContext, load)->status, MboxStatus::kOk);
  EXPECT_EQ(host->call(MboxOpcode::kReset)->status, MboxStatus::kOk);
  run.context_id = 3;
  EXPECT_EQ(host->call(MboxOpcode::kRun, run)->status, MboxStatus::kNoSuchContext);
  EXPECT_EQ(host->call(MboxOpcode::kQueryStats)->payload<abi::StatsResponse>().contexts_loaded, 0u);
}

TEST(Mailbox, LoadContextBadArguments) {
  auto host = booted();
  ASSERT_TRUE(host);
  auto good = nop_context(*host, 0);
  auto req = good;
  req.context_id = 16;  // == max_contexts
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kBadArgs);
  req = good;
  req.num_segments = abi::kMaxSegments + 1;
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kBadArgs);
  req = good;
  req.program_addr = (8ull << 30) - 8;  // runs off the end of DDR
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kBadArgs);
  req = good;
  req.program_size = 4;
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kBadArgs);
  req = good;
  req.num_segments = 1;
  req.segment_base[0] = ~0ull - 10;  // overflows
  req.segment_size[0] = 100;
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kBadArgs);
  req = good;
  req.reserved[5] = 1;
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kBadArgs);
  req = good;
  req.sram_bytes = 1ull << 40;  // more SRAM than the chip has
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, req)->status, MboxStatus::kNoResources);
  EXPECT_EQ(host->call(MboxOpcode::kLoadContext, good)->status, MboxStatus::kOk);
}

TEST(Mailbox, IgnoredBeforeBoot) {
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  auto r = host->call(MboxOpcode::kIdentify, {}, -1, std::chrono::milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
}

}  // namespace
}  // namespace npu::test
