// Driver::open and the whole driver over the scripted fake device: boot (and every boot refusal),
// identity, memory, DMA, contexts, faults with recovery, device loss.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <filesystem>

#include "fake_device.hpp"
#include "npu/driver/driver.hpp"
#include "npu_abi/program.hpp"

namespace {

using namespace npu::driver;
using namespace std::chrono_literals;
namespace abi = npu::abi;
namespace fs = std::filesystem;
using npu::ErrorCode;
using npu::test::FakeDevice;

struct DriverOverFake : ::testing::Test {
  fs::path image = fs::temp_directory_path() /
                   (std::string("npu-drvfake-") +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".bin");
  FakeDevice* fake = nullptr;  // owned by the driver once opened
  DriverOptions options;

  DriverOverFake() {
    npu::test::write_test_image(image.string());
    options.firmware_path = image;
    options.boot_timeout = 500ms;
    options.mailbox_timeout = 300ms;
    options.dma_timeout = 300ms;
    options.run_timeout = 300ms;
    options.ring_entries = 8;
    options.staging_bytes = 8192;
    options.max_descriptor_bytes = 1024;
  }
  ~DriverOverFake() override { fs::remove(image); }

  npu::Expected<std::unique_ptr<Driver>> open() {
    auto dev = std::make_unique<FakeDevice>();
    fake = dev.get();
    return Driver::open(std::move(dev), options);
  }
  std::unique_ptr<FakeDevice> make_fake() {
    auto dev = std::make_unique<FakeDevice>();
    fake = dev.get();
    return dev;
  }
};

std::vector<std::byte> program(std::uint32_t ops) {
  std::vector<std::byte> p(sizeof(abi::ProgramHeader) + ops * sizeof(abi::OpDesc));
  abi::ProgramHeader h{};
  h.magic = abi::kProgramMagic;
  h.version = abi::kProgramVersion;
  h.header_size = sizeof h;
  h.num_ops = ops;
  h.op_size = sizeof(abi::OpDesc);
  std::memcpy(p.data(), &h, sizeof h);
  return p;
}

TEST_F(DriverOverFake, BootsAndIdentifies) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  const auto& id = (*d)->identity();
  EXPECT_EQ(id.board_name, "fake board");
  EXPECT_EQ(id.profile, "fake");
  EXPECT_EQ(id.max_contexts, 2u);
  EXPECT_EQ(id.ddr_bytes, 1u << 20);
  EXPECT_EQ(id.info.id, "fake:0");
  EXPECT_EQ(fake->resets.load(), 1u);  // boot starts with a reset
  EXPECT_EQ((*d)->free_device_bytes(), 1u << 20);
}

TEST_F(DriverOverFake, EveryBootRefusalIsExplained) {
  const std::pair<abi::BootError, const char*> cases[] = {
      {abi::BootError::kBadMagic, "not an npustack firmware image"},
      {abi::BootError::kAbiMismatch, "does not match device"},
      {abi::BootError::kBadChecksum, "corrupt"},
      {abi::BootError::kTruncated, "truncated"},
      {abi::BootError::kDmaError, "IOMMU"},
      {abi::BootError::kTooLarge, "firmware region"},
      {abi::BootError::kBadHeader, "invalid header"},
  };
  for (const auto& [error, text] : cases) {
    auto dev = make_fake();
    dev->boot_error = static_cast<std::uint32_t>(error);
    auto d = Driver::open(std::move(dev), options);
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message().find(text), std::string::npos) << d.error().message();
    EXPECT_NE(d.error().message().find(image.string()), std::string::npos) << d.error().message();
  }
}

TEST_F(DriverOverFake, ImageOfAnotherAbiMajorIsRefusedBeforeUpload) {
  npu::test::write_test_image(image.string(), abi::make_abi_version(abi::kAbiMajor + 1, 0));
  auto d = open();
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_NE(d.error().message().find("install the npustack firmware matching this driver"),
            std::string::npos)
      << d.error().message();
}

TEST_F(DriverOverFake, NewerFirmwareMinorIsAccepted) {
  auto dev = make_fake();
  dev->firmware_abi = abi::make_abi_version(abi::kAbiMajor, abi::kAbiMinor + 3);
  auto d = Driver::open(std::move(dev), options);
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ((*d)->identity().abi_version, abi::make_abi_version(abi::kAbiMajor, abi::kAbiMinor + 3));
}

TEST_F(DriverOverFake, BootThatNeverFinishesTimesOut) {
  auto dev = make_fake();
  dev->boot_silent = true;
  auto d = Driver::open(std::move(dev), options);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(d.error().message().find("booting firmware"), std::string::npos);
}

TEST_F(DriverOverFake, BootSurvivesALostInterrupt) {
  auto dev = make_fake();
  dev->drop_interrupts = true;
  auto d = Driver::open(std::move(dev), options);
  ASSERT_TRUE(d) << d.error().what();
}

TEST_F(DriverOverFake, MissingFirmwareNamesThePath) {
  options.firmware_path = image.string() + ".missing";
  auto d = open();
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(d.error().message().find(".missing"), std::string::npos);
}

TEST_F(DriverOverFake, MemoryDmaAndContexts) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  auto buf = drv.allocate(40000, 4096);
  ASSERT_TRUE(buf) << buf.error().what();
  std::vector<std::byte> data(40000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::byte(i % 251);
  ASSERT_TRUE(drv.write(buf->address, data));
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(drv.read(buf->address, back));
  EXPECT_EQ(back, data);

  const auto prog = program(3);
  ContextSpec spec;
  spec.program = prog;
  spec.segments[0] = *buf;
  spec.num_segments = 1;
  auto c1 = drv.load_context(spec);
  ASSERT_TRUE(c1) << c1.error().what();
  EXPECT_EQ(c1->num_ops, 3u);
  auto c2 = drv.load_context(spec);
  ASSERT_TRUE(c2);
  EXPECT_NE(c1->id, c2->id);
  auto c3 = drv.load_context(spec);  // max_contexts = 2
  ASSERT_FALSE(c3);
  EXPECT_EQ(c3.error().code(), ErrorCode::kBusy);
  auto run = drv.run(*c1);
  ASSERT_TRUE(run) << run.error().what();
  EXPECT_EQ(run->ops_executed, 1u);
  ASSERT_TRUE(drv.unload_context(*c1));
  EXPECT_FALSE(drv.unload_context(*c1));
  ASSERT_TRUE(drv.unload_context(*c2));
  drv.release(*buf);
  EXPECT_EQ(drv.free_device_bytes(), 1u << 20);  // programs and buffer all returned
  auto s = drv.stats();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->runs, 7u);  // from the device
  EXPECT_GT(s->h2d_descriptors, 40u);
  EXPECT_EQ(s->resets, 0u);
}

TEST_F(DriverOverFake, FaultIsReportedThenRecovered) {
  auto d = open();
  ASSERT_TRUE(d);
  auto& drv = **d;
  const auto prog = program(1);
  ContextSpec spec;
  spec.program = prog;
  auto ctx = drv.load_context(spec);
  ASSERT_TRUE(ctx);
  fake->fault_on_run = static_cast<std::uint32_t>(abi::FaultCode::kMemoryError);
  auto r = drv.run(*ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kDeviceError);
  EXPECT_NE(r.error().message().find("memory error"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("reset and re-booted"), std::string::npos);
  EXPECT_EQ(drv.generation(), 1u);
  EXPECT_EQ(fake->boots.load(), 2u);
  // The old context is gone; loading again and running works.
  auto stale = drv.run(*ctx);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kNotFound);
  auto again = drv.load_context(spec);
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_TRUE(drv.run(*again));
  EXPECT_EQ(drv.stats()->resets, 1u);
}

TEST_F(DriverOverFake, DmaErrorAndHangAreRecovered) {
  auto d = open();
  ASSERT_TRUE(d);
  auto& drv = **d;
  std::vector<std::byte> data(4096, std::byte{1});
  fake->dma_fail_after = 1;
  auto w = drv.write(0, data);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("transfer error"), std::string::npos) << w.error().message();
  EXPECT_EQ(drv.generation(), 1u);
  ASSERT_TRUE(drv.write(0, data));

  fake->mailbox_silent = true;
  auto s = drv.stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(s.error().message().find("QUERY_STATS"), std::string::npos);
  EXPECT_EQ(drv.generation(), 2u);  // the reset cured the hang (the fake clears it on reset)
  auto after = drv.stats();
  ASSERT_TRUE(after) << after.error().what();
  EXPECT_EQ(after->resets, 2u);
}

TEST_F(DriverOverFake, NoRecoveryWhenDisabled) {
  options.auto_recover = false;
  auto d = open();
  ASSERT_TRUE(d);
  fake->dma_fail_after = 0;
  ASSERT_FALSE((*d)->write(0, std::vector<std::byte>(1024)));
  EXPECT_EQ((*d)->generation(), 0u);
  EXPECT_EQ(fake->resets.load(), 1u);
  ASSERT_TRUE((*d)->reset());  // explicit reset still works
  EXPECT_EQ((*d)->generation(), 1u);
}

TEST_F(DriverOverFake, ConcurrentTransfersAndMailboxAreSerializedSafely) {
  auto d = open();
  ASSERT_TRUE(d);
  auto& drv = **d;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::byte> data(20000, std::byte(t + 1)), back(data.size());
      auto buf = drv.allocate(data.size());
      if (!buf) return void(++failures);
      for (int i = 0; i < 5; ++i) {
        if (!drv.write(buf->address, data) || !drv.read(buf->address, back) || back != data ||
            !drv.stats()) {
          ++failures;
        }
      }
      drv.release(*buf);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(drv.free_device_bytes(), 1u << 20);
}

TEST_F(DriverOverFake, DeviceLostIsNotReset) {
  auto d = open();
  ASSERT_TRUE(d);
  fake->present_ = false;
  auto s = (*d)->stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kDeviceLost);
  EXPECT_EQ(fake->resets.load(), 1u);  // only the one at boot
  EXPECT_EQ((*d)->reset().error().code(), ErrorCode::kDeviceLost);
}

}  // namespace
