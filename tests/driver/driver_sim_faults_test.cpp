// Against the simulated device: every firmware-image refusal reported with a clear message, and
// recovery after injected faults (crash, hang, DMA error, memory error, lost interrupt) with later
// work succeeding; device removal reported as lost without a reset.
#include <gtest/gtest.h>

#include <cstring>

#include <fmt/format.h>

#include "npu/firmware/program.hpp"
#include "sim_fixture.hpp"

namespace {

using namespace npu::test;
using npu::ErrorCode;
namespace abi = npu::abi;

// Opens with a crafted image and returns the error message (empty if it booted).
struct ImageCase {
  const char* name;
  void (*craft)(std::vector<std::byte>&);
  const char* expect;
};

TEST_F(SimDriver, EveryImageRefusalIsExplained) {
  const ImageCase cases[] = {
      {"magic", [](auto& i) { header_of(i).magic ^= 1; }, "not an npustack firmware image"},
      {"minor", [](auto& i) {
         header_of(i).abi_version = abi::make_abi_version(abi::kAbiMajor, abi::kAbiMinor + 1);
         npu::fw::refresh_header_crc(i);
       }, "does not match device"},
      {"major", [](auto& i) {
         header_of(i).abi_version = abi::make_abi_version(abi::kAbiMajor + 1, 0);
         npu::fw::refresh_header_crc(i);
       }, "install the npustack firmware matching this driver"},
      {"header-crc", [](auto& i) { header_of(i).fw_version ^= 1; }, "corrupt"},
      {"payload-crc", [](auto& i) { i.back() ^= std::byte{0x40}; }, "corrupt"},
      {"truncated", [](auto& i) { i.resize(i.size() - 5); }, "truncated"},
      {"header-size", [](auto& i) {
         header_of(i).header_size = 32;
         npu::fw::refresh_header_crc(i);
       }, "invalid header"},
      {"reserved", [](auto& i) {
         header_of(i).reserved1[3] = 1;
         npu::fw::refresh_header_crc(i);
       }, "invalid header"},
      {"empty", [](auto& i) { i.clear(); }, "truncated"},
  };
  for (const auto& c : cases) {
    auto image = good_image();
    c.craft(image);
    options.firmware_path = write_image(std::string(c.name) + ".bin", image);
    auto d = open();
    ASSERT_FALSE(d) << c.name;
    EXPECT_NE(d.error().message().find(c.expect), std::string::npos)
        << c.name << ": " << d.error().what();
    EXPECT_NE(d.error().message().find(options.firmware_path.string()), std::string::npos)
        << c.name << ": " << d.error().what();
  }
}

TEST_F(SimDriver, TooLargeImageIsRefused) {
  auto image = good_image();
  const std::size_t big = abi::kFirmwareMaxSize + 4096;
  header_of(image).payload_size = big - sizeof(abi::FirmwareImageHeader);
  npu::fw::refresh_header_crc(image);
  const auto path = write_image("big.bin", image);
  fs::resize_file(path, big);  // sparse: cheap to create
  options.firmware_path = path;
  auto d = open();
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message().find("firmware region"), std::string::npos) << d.error().what();
}

TEST_F(SimDriver, RecoversFromFirmwareCrash) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  inject("firmware_crash@mailbox=1");
  auto s = drv.stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kDeviceError);
  EXPECT_NE(s.error().message().find("crashed"), std::string::npos) << s.error().what();
  EXPECT_NE(s.error().message().find("re-booted"), std::string::npos) << s.error().what();
  EXPECT_EQ(drv.generation(), 1u);
  auto after = drv.stats();
  ASSERT_TRUE(after) << after.error().what();
  EXPECT_EQ(after->resets, 1u);
}

TEST_F(SimDriver, RecoversFromHang) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  inject("firmware_hang@mailbox=1");
  auto s = drv.stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(s.error().message().find("QUERY_STATS"), std::string::npos) << s.error().what();
  EXPECT_EQ(drv.generation(), 1u);
  EXPECT_TRUE(drv.stats()) << "device must work after recovery";
}

TEST_F(SimDriver, RecoversFromDmaErrorAndMemoryError) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  const auto data = pattern(100 * 1000);
  inject("dma_error@dma=3");
  auto buf = drv.allocate(data.size());
  ASSERT_TRUE(buf);
  auto w = drv.write(buf->address, data);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("transfer error"), std::string::npos) << w.error().what();
  EXPECT_EQ(drv.generation(), 1u);

  inject("memory_error@dma=2");
  auto again = drv.allocate(data.size());  // device memory was wiped with the reset
  ASSERT_TRUE(again);
  auto w2 = drv.write(again->address, data);
  ASSERT_FALSE(w2);
  EXPECT_NE(w2.error().message().find("memory"), std::string::npos) << w2.error().what();
  EXPECT_EQ(drv.generation(), 2u);

  inject("");
  auto fresh = drv.allocate(data.size());
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(drv.write(fresh->address, data));
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(drv.read(fresh->address, back));
  EXPECT_EQ(back, data);
}

TEST_F(SimDriver, LostInterruptIsSurvived) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  inject("lost_interrupt@mailbox=1,lost_interrupt@dma=2");
  auto s = (*d)->stats();
  ASSERT_TRUE(s) << s.error().what();
  const auto data = pattern(20000);
  ASSERT_TRUE((*d)->write(0, data));
  EXPECT_EQ((*d)->generation(), 0u);  // no reset needed
}

TEST_F(SimDriver, DeviceRemovalIsReportedWithoutReset) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  inject("device_removal@mailbox=1");
  auto s = (*d)->stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kDeviceLost) << s.error().what();
  EXPECT_EQ((*d)->generation(), 0u);
  EXPECT_EQ((*d)->reset().error().code(), ErrorCode::kDeviceLost);
}

// Firmware as an image of an older ABI minor would be: without the feature that minor added.
std::vector<std::byte> older_abi_image(std::uint16_t minor, const std::vector<std::string>& missing_features) {
  auto manifest = npu::fw::FirmwareManifest::current(abi::make_fw_version(0, static_cast<std::uint8_t>(minor), 0));
  manifest.abi_version = abi::make_abi_version(1, minor);
  for (const auto& f : missing_features) std::erase(manifest.features, f);
  return npu::fw::build_firmware_image(manifest, fmt::format("abi-1.{}", minor));
}
// ABI 1.1: no heartbeat, no RUN progress; ABI 1.2: everything but kRope's frequency table.
std::vector<std::byte> abi_1_1_image() { return older_abi_image(1, {"watchdog.heartbeat"}); }
std::vector<std::byte> abi_1_2_image() { return older_abi_image(2, {"op.rope_freq_table"}); }
// ABI 1.3: everything but the Gemma 3 and mixture-of-experts ops of 1.4.
std::vector<std::byte> abi_1_3_image() {
  return older_abi_image(3, {"op.gelu_glu", "op.embed_scale", "op.attention_window", "op.moe"});
}

// ABI 1.4: everything but the int8 KV cache of 1.5.
std::vector<std::byte> abi_1_4_image() { return older_abi_image(4, {"op.kv_int8"}); }

// A context of the one op `op` over a weights and an I/O segment of a page each.
npu::Expected<ContextHandle> load_single_op(Driver& drv, const abi::OpDesc& op) {
  const auto prog = npu::fw::encode_program(std::vector<abi::OpDesc>{op});
  ContextSpec spec;
  spec.program = prog;
  NPU_TRY_ASSIGN(spec.segments[0], drv.allocate(4096));
  NPU_TRY_ASSIGN(spec.segments[1], drv.allocate(4096));
  spec.num_segments = 2;
  return drv.load_context(spec);
}

// A program that older firmware cannot run is refused by the driver, naming the feature it
// needs and what to install.
void expect_needs_newer_firmware(const npu::Expected<ContextHandle>& refused, const std::string& feature) {
  ASSERT_FALSE(refused) << feature;
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnsupported) << refused.error().what();
  EXPECT_NE(refused.error().message().find(feature), std::string::npos) << refused.error().what();
  EXPECT_NE(refused.error().message().find("install newer npustack firmware"), std::string::npos)
      << refused.error().what();
}

// A context of one kRope op (1 row, 1 head, head_dim 4), with or without a frequency table.
npu::Expected<ContextHandle> load_rope_context(Driver& drv, bool table) {
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(abi::OpCode::kRope);
  op.dims[0] = 1;
  op.dims[1] = 1;
  op.dims[2] = 4;
  op.operands[0] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kF32, 0);
  op.operands[1] = table ? npu::fw::make_operand(abi::Segment::kWeights, abi::DType::kF32, 0) : npu::fw::absent_operand();
  op.operands[2] = npu::fw::absent_operand();
  op.operands[3] = npu::fw::absent_operand();
  const float theta = 10000.0f;
  if (!table) std::memcpy(&op.params[0], &theta, sizeof theta);
  return load_single_op(drv, op);
}

TEST_F(SimDriver, ARopeFrequencyTableNeedsFirmwareOfAbi13) {
  {
    auto d = open();
    ASSERT_TRUE(d) << d.error().what();
    auto scaled = load_rope_context(**d, true);
    EXPECT_TRUE(scaled) << scaled.error().what();
  }
  options.firmware_path = write_image("fw-1.2.bin", abi_1_2_image());
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ((*d)->identity().abi_version, abi::make_abi_version(1, 2));
  auto plain = load_rope_context(**d, false);
  EXPECT_TRUE(plain) << plain.error().what();
  // Older firmware would ignore the table and rotate by theta: refused, saying what to install.
  expect_needs_newer_firmware(load_rope_context(**d, true), "op.rope_freq_table");
}

// A context of one op of `code` (1 row, width 4) whose operands lie in the I/O segment.
npu::Expected<ContextHandle> load_one_op_context(Driver& drv, abi::OpCode code) {
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(code);
  op.dims[0] = 1;
  op.dims[1] = 4;
  op.operands[0] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kF32, 0);
  op.operands[1] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kF32, 16);
  op.operands[2] = npu::fw::absent_operand();
  op.operands[3] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kF32, 32);
  return load_single_op(drv, op);
}

TEST_F(SimDriver, GemmaAndMixtureOfExpertsOpsNeedFirmwareOfAbi14) {
  {
    auto d = open();
    ASSERT_TRUE(d) << d.error().what();
    auto gelu = load_one_op_context(**d, abi::OpCode::kGeluGlu);
    EXPECT_TRUE(gelu) << gelu.error().what();
  }
  options.firmware_path = write_image("fw-1.3.bin", abi_1_3_image());
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ((*d)->identity().abi_version, abi::make_abi_version(1, 3));
  auto plain = load_rope_context(**d, true);  // what 1.3 added still loads
  EXPECT_TRUE(plain) << plain.error().what();
  // The driver refuses each 1.4 op before the firmware sees it, naming the feature and the fix.
  for (const auto& [code, feature] : {std::pair{abi::OpCode::kGeluGlu, "op.gelu_glu"},
                                      std::pair{abi::OpCode::kMoeRoute, "op.moe"},
                                      std::pair{abi::OpCode::kMoeLinear, "op.moe"}}) {
    expect_needs_newer_firmware(load_one_op_context(**d, code), feature);
  }
}

// A context of one kKvAppend (1 row, 1 KV head of 4, a cache of 2 positions of `cache` dtype).
npu::Expected<ContextHandle> load_kv_append_context(Driver& drv, abi::DType cache) {
  abi::OpDesc op{};
  op.opcode = static_cast<std::uint16_t>(abi::OpCode::kKvAppend);
  op.dims[0] = 1;
  op.dims[1] = 1;
  op.dims[2] = 4;
  op.dims[3] = 2;
  op.operands[0] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kF32, 0);
  op.operands[1] = npu::fw::make_operand(abi::Segment::kIo, abi::DType::kF32, 16);
  op.operands[2] = npu::fw::make_operand(abi::Segment::kIo, cache, 64);
  op.operands[3] = npu::fw::absent_operand();
  return load_single_op(drv, op);
}

TEST_F(SimDriver, AnInt8KvCacheNeedsFirmwareOfAbi15) {
  {
    auto d = open();
    ASSERT_TRUE(d) << d.error().what();
    auto int8 = load_kv_append_context(**d, abi::DType::kI8);
    EXPECT_TRUE(int8) << int8.error().what();
  }
  {
    options.firmware_path = write_image("fw-1.4.bin", abi_1_4_image());
    auto d = open();
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_EQ((*d)->identity().abi_version, abi::make_abi_version(1, 4));
    auto f16 = load_kv_append_context(**d, abi::DType::kF16);  // a float cache still loads
    EXPECT_TRUE(f16) << f16.error().what();
    auto gelu = load_one_op_context(**d, abi::OpCode::kGeluGlu);  // and what 1.4 added
    EXPECT_TRUE(gelu) << gelu.error().what();
    expect_needs_newer_firmware(load_kv_append_context(**d, abi::DType::kI8), "op.kv_int8");
  }
  // Firmware that reports ABI 1.5 but does not serve the feature (its manifest lacks it): the
  // driver lets the program through by the minor, the firmware's validator refuses it.
  options.firmware_path = write_image("fw-1.5-without.bin", older_abi_image(5, {"op.kv_int8"}));
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_TRUE(load_kv_append_context(**d, abi::DType::kF32));
  auto refused = load_kv_append_context(**d, abi::DType::kI8);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kBadFormat) << refused.error().what();  // the firmware's kBadProgram
  EXPECT_NE(refused.error().message().find("does not serve"), std::string::npos) << refused.error().what();
  EXPECT_TRUE((*d)->stats()) << "the device keeps working after refusing the program";
}

TEST_F(SimDriver, HangIsDetectedByTheHeartbeatWellUnderASecond) {
  options.mailbox_timeout = 30s;  // only the heartbeat can notice it in time
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  inject("firmware_hang@mailbox=1");
  const auto t0 = std::chrono::steady_clock::now();
  auto s = drv.stats();
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(s.error().message().find("heartbeat"), std::string::npos) << s.error().what();
  EXPECT_NE(s.error().message().find("re-booted"), std::string::npos) << s.error().what();
  // Detection (hang_timeout, 250 ms) plus the re-boot, not the 30 s mailbox timeout.
  EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_GE(took, options.hang_timeout);
  EXPECT_EQ(drv.generation(), 1u);
  EXPECT_TRUE(drv.stats()) << "device must work after recovery";
}

TEST_F(SimDriver, HangDuringARunIsDetectedByTheHeartbeat) {
  options.run_timeout = 30s;
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  // The hang strikes as the RUN is taken (run trigger): the RUN never answers.
  inject("firmware_hang@run=1");
  auto g = load_gemm_context(drv, 2, 8, 3, 64);
  ASSERT_TRUE(g) << g.error().what();
  const auto t0 = std::chrono::steady_clock::now();
  auto run = drv.run(g->context);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(run.error().message().find("heartbeat"), std::string::npos) << run.error().what();
  EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
}

TEST_F(SimDriver, FirmwareWithoutAHeartbeatFallsBackToTheMailboxTimeout) {
  options.firmware_path = write_image("fw-1.1.bin", abi_1_1_image());
  options.hang_timeout = 50ms;  // would fire first if the driver watched a heartbeat it has not
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ((*d)->identity().abi_version, abi::make_abi_version(1, 1));
  inject("firmware_hang@mailbox=1");
  const auto t0 = std::chrono::steady_clock::now();
  auto s = (*d)->stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(s.error().message().find("no answer"), std::string::npos) << s.error().what();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, options.mailbox_timeout);
  EXPECT_TRUE((*d)->stats()) << "device must work after recovery";
}

// A RUN of many ops that takes far longer than run_timeout in total: with RUN_PROGRESS (ABI 1.2)
// the timeout runs between completed ops, so it finishes; an ABI 1.1 firmware, which has no
// progress to show, is cut off at run_timeout. Timeout and op count come from a measured one-op
// RUN (timeout: ten ops, at least 200 ms; the RUN: about five timeouts long), so the test means
// the same on a fast machine, a loaded one and under a sanitizer.
class LongRun : public SimDriver {
 protected:
  std::chrono::milliseconds took{0};
  std::uint32_t ops = 1;

  // Runs a context of `ops` GEMM ops on a freshly opened driver; `took` is the RUN's host time.
  npu::Expected<RunResult> run_ops() {
    auto d = open();
    if (!d) return std::unexpected(d.error());
    auto& drv = **d;
    constexpr int M = 32, K = 2048, N = 512;  // tens of millions of MACs: the op dominates the mailbox
    auto g = load_gemm_context(drv, M, K, N, M * K, ops);
    if (!g) return std::unexpected(g.error());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = drv.run(g->context);
    took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    return r;
  }
  void calibrate() {
    options.run_timeout = 60s;
    ops = 1;
    auto one = run_ops();
    ASSERT_TRUE(one) << one.error().what();
    const auto per_op = std::max(took, 1ms);
    options.run_timeout = std::max(200ms, 10 * per_op);
    ops = static_cast<std::uint32_t>(std::clamp<std::int64_t>(5 * options.run_timeout / per_op, 50, 4000));
  }
};

TEST_F(LongRun, ARunThatKeepsProgressingIsNotMistakenForAHang) {
  calibrate();
  auto r = run_ops();
  ASSERT_TRUE(r) << r.error().what() << " (" << ops << " ops, run_timeout " << options.run_timeout.count() << " ms)";
  EXPECT_EQ(r->ops_executed, ops);
  EXPECT_GT(took, options.run_timeout) << "the RUN was too quick to show anything (" << ops << " ops)";
}

TEST_F(LongRun, WithoutProgressReportsTheWholeRunIsBounded) {
  options.firmware_path = write_image("fw-1.1.bin", abi_1_1_image());
  calibrate();
  auto r = run_ops();
  ASSERT_FALSE(r) << "the whole RUN took " << took.count() << " ms, run_timeout " << options.run_timeout.count();
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout) << r.error().what();
  EXPECT_NE(r.error().message().find("no answer"), std::string::npos) << r.error().what();
}

}  // namespace
