// VDeviceParams::group_id through npud (HailoRT's meaning): clients of one group share its
// devices and scheduler, groups use disjoint devices, "UNIQUE" is a group of one client, and
// conflicting requests get errors that say what to do.
#include "npud_fixture.hpp"
#include "npu/runtime.hpp"
#include "test_inputs.hpp"

namespace npu::test {
namespace {

Expected<std::unique_ptr<VDevice>> join(const std::string& group, std::vector<std::string> ids = {}) {
  VDeviceParams params;
  params.multi_process = true;
  params.group_id = group;
  params.device_ids = std::move(ids);
  return VDevice::create(params);
}

void run_mlp(VDevice& v, const std::filesystem::path& npk, int runs) {
  auto model = v.create_infer_model(npk);
  ASSERT_TRUE(model.has_value());
  auto configured = model->configure();
  ASSERT_TRUE(configured.has_value()) << configured.error().what();
  auto input = run_input(model->inputs()[0].size, 9, 0);
  std::vector<std::int8_t> output(model->outputs()[0].size);
  auto b = configured->create_bindings();
  ASSERT_TRUE(b->input()->set_buffer(std::as_bytes(std::span(input))).has_value());
  ASSERT_TRUE(b->output()->set_buffer(std::as_writable_bytes(std::span(output))).has_value());
  for (int i = 0; i < runs; ++i) ASSERT_TRUE(configured->run(*b).has_value());
}

TEST(NpudGroups, GroupsShareTheirDevicesAndNotOthers) {
  auto npk = compile_mlp();
  NpudProcess npud("all", 2);  // npud owns sim:0 and sim:1

  // The default group ("SHARED") holds both devices while idle; "alpha" takes sim:1 from it.
  auto alpha = join("alpha", {"sim:1"});
  ASSERT_TRUE(alpha.has_value()) << alpha.error().what();
  ASSERT_EQ((*alpha)->device_count(), 1u);
  EXPECT_EQ((*alpha)->identity(0).info.id, "sim:1");
  // A new group without device ids gets the first free device.
  auto beta = join("beta");
  ASSERT_TRUE(beta.has_value()) << beta.error().what();
  ASSERT_EQ((*beta)->device_count(), 1u);
  EXPECT_EQ((*beta)->identity(0).info.id, "sim:0");
  // Another client of "alpha" shares alpha's device and scheduler.
  auto alpha2 = join("alpha");
  ASSERT_TRUE(alpha2.has_value()) << alpha2.error().what();
  EXPECT_EQ((*alpha2)->identity(0).info.id, "sim:1");

  run_mlp(**alpha, npk, 3);
  run_mlp(**alpha2, npk, 2);
  run_mlp(**beta, npk, 1);
  EXPECT_EQ((*alpha)->scheduler_stats().runs, 5u);  // both alpha clients' runs, one scheduler
  EXPECT_EQ((*alpha2)->scheduler_stats().runs, 5u);
  EXPECT_EQ((*beta)->scheduler_stats().runs, 1u);

  // A device in use by another group is refused, naming the group to join.
  auto gamma = join("gamma", {"sim:1"});
  ASSERT_FALSE(gamma.has_value());
  EXPECT_EQ(gamma.error().code(), ErrorCode::kBusy);
  EXPECT_NE(gamma.error().message().find("group 'alpha'"), std::string::npos) << gamma.error().what();
  // A group's clients agree on its devices.
  auto other = join("alpha", {"sim:0"});
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(other.error().message().find("uses device(s) sim:1"), std::string::npos) << other.error().what();
  // No device is free for a private group while alpha and beta have clients.
  auto unique = join("UNIQUE");
  ASSERT_FALSE(unique.has_value());
  EXPECT_EQ(unique.error().code(), ErrorCode::kBusy);
  auto empty = join("");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  auto reserved = join("UNIQUE#1");
  ASSERT_FALSE(reserved.has_value());
  EXPECT_EQ(reserved.error().code(), ErrorCode::kInvalidArgument);
  auto unknown = join("delta", {"sim:7"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);

  // Once beta's client is gone its device can go to a private group, which nobody else joins.
  beta->reset();
  std::unique_ptr<VDevice> mine;
  for (int i = 0; i < 250 && !mine; ++i) {  // beta's client is released asynchronously
    auto u = join("UNIQUE");
    if (u) mine = std::move(*u);
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(mine) << "the private group never got sim:0";
  EXPECT_EQ(mine->identity(0).info.id, "sim:0");
  EXPECT_EQ(mine->scheduler_stats().runs, 0u);  // a fresh VDevice of its own
  auto second_unique = join("UNIQUE");
  ASSERT_FALSE(second_unique.has_value());
  EXPECT_EQ(second_unique.error().code(), ErrorCode::kBusy);
  run_mlp(*mine, npk, 1);

  // The default group, closed for alpha, comes back on the devices no busy group uses once
  // alpha's clients are gone too: a default client gets them all.
  alpha->reset();
  alpha2->reset();
  mine.reset();
  std::unique_ptr<VDevice> shared;
  for (int i = 0; i < 250 && !(shared && shared->device_count() == 2); ++i) {
    shared.reset();  // (a client that came too early holds what was free then: retry)
    auto s = join("SHARED");
    if (s) shared = std::move(*s);
    if (!shared || shared->device_count() != 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->device_count(), 2u);

  auto status = npud.status();
  std::set<std::string> groups;
  for (const auto& g : status["groups"]) groups.insert(g.value("id", ""));
  EXPECT_EQ(groups, std::set<std::string>{"SHARED"}) << status.dump();  // the others closed for it
}

}  // namespace
}  // namespace npu::test
