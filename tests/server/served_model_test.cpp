// The server's session pool (ServedModel) on the simulated device: how many sessions of a model
// the device holds is learned when it says it is full, and tried again once the limit expires;
// the room other models' idle sessions hold is taken back through the room maker.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "scripted_model.hpp"
#include "served_model.hpp"

namespace npu::test {
namespace {

using namespace std::chrono_literals;
using server::ServedModel;

class ServedModelPool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("npu_served_model_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto m = build_scripted_model({.name = "scripted-hi", .chains = {{"\n", "Hi", "<|im_end|>"}}, .context_length = 64},
                                  dir_ / "hi.npk");
    ASSERT_TRUE(m) << m.error().what();
    model_ = std::move(*m);
    auto v = VDevice::create();
    ASSERT_TRUE(v) << v.error().what();
    vdevice_ = std::move(*v);
  }
  void TearDown() override {
    vdevice_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<ServedModel> serve(const std::string& name, std::chrono::milliseconds relearn) {
    auto llm = genai::LLM::create(*vdevice_, {.model_path = model_.path});
    EXPECT_TRUE(llm) << llm.error().what();
    return std::make_unique<ServedModel>(name, model_.path.string(), std::move(*llm), relearn);
  }
  // One greedy answer on a session; the device error (kBusy when it has no room) if it fails.
  Expected<std::string> answer(genai::LLM& llm) {
    genai::GeneratorParams p;
    p.greedy = true;
    const std::vector<genai::TokenId> prompt{model_.id("\n")};
    NPU_TRY_ASSIGN(auto gen, llm.generate(std::span<const genai::TokenId>(prompt), p));
    return gen.read_all(30s);
  }
  // Sessions of `m` that answered and hold their device contexts, taken until the device says it
  // is full (then `m` has learned how many it holds).
  std::vector<ServedModel::Lease> fill(ServedModel& m) {
    std::vector<ServedModel::Lease> held;
    const auto no_wait = [] { return true; };
    while (held.size() < 32) {
      auto lease = m.acquire(no_wait);
      if (!lease) {  // a new session found no room: learned, and it would wait
        EXPECT_EQ(lease.error().code(), ErrorCode::kAborted) << lease.error().what();
        break;
      }
      auto text = answer(lease->llm());
      if (!text) {
        EXPECT_EQ(text.error().code(), ErrorCode::kBusy) << text.error().what();
        EXPECT_TRUE(m.note_device_full());
        break;
      }
      EXPECT_EQ(*text, "Hi");
      held.push_back(std::move(*lease));
    }
    EXPECT_LT(held.size(), 32u) << "the device never said it was full";
    return held;
  }

  std::filesystem::path dir_;
  ScriptedModel model_;
  std::unique_ptr<VDevice> vdevice_;
};

TEST_F(ServedModelPool, TheLearnedLimitExpiresSoFreedRoomIsUsed) {
  auto other = serve("other", 10s);
  auto served = serve("served", 300ms);
  std::vector<ServedModel::Lease> others;
  for (int i = 0; i < 2; ++i) {
    auto lease = other->acquire();
    ASSERT_TRUE(lease) << lease.error().what();
    ASSERT_EQ(answer(lease->llm()).value_or("failed"), "Hi");
    others.push_back(std::move(*lease));
  }
  auto held = fill(*served);  // beside the other model's two sessions
  const std::size_t room = held.size();
  ASSERT_GE(room, 2u);
  others.clear();
  EXPECT_EQ(other->release_idle(), 2u);  // their contexts are free now

  // The learned limit still holds: a request beyond it waits (here: until its client leaves).
  int polls = 0;
  auto waited = served->acquire([&polls] { return ++polls > 3; });
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code(), ErrorCode::kAborted);
  EXPECT_GT(polls, 3);

  // Once it has expired, sessions beyond it are tried, and the freed room takes them.
  std::this_thread::sleep_for(350ms);
  for (int i = 0; i < 2; ++i) {
    auto more = served->acquire([] { return true; });
    ASSERT_TRUE(more) << i << ": " << more.error().what();
    ASSERT_EQ(answer(more->llm()).value_or("failed"), "Hi");
    held.push_back(std::move(*more));
  }
  EXPECT_EQ(held.size(), room + 2);
}

// Sessions that went back idle keep their contexts: a session that finds the device full while
// others went idle (after it found none idle to take) counts them, so the limit it learns is what
// the device holds, not fewer.
TEST_F(ServedModelPool, IdleSessionsCountInTheLearnedLimit) {
  std::size_t capacity = 0;
  {
    auto probe = serve("probe", 10s);
    capacity = fill(*probe).size();  // how many sessions of this model the device holds
    ASSERT_GE(capacity, 4u);
    (void)probe->release_idle();
  }
  auto served = serve("served", 10s);
  std::vector<ServedModel::Lease> held;
  for (std::size_t i = 0; i < capacity; ++i) {
    auto lease = served->acquire();
    ASSERT_TRUE(lease) << i << ": " << lease.error().what();
    ASSERT_EQ(answer(lease->llm()).value_or("failed"), "Hi");
    held.push_back(std::move(*lease));
  }
  // One more finds no idle session and the device full. Just then three requests finish: their
  // sessions go back idle, keeping their contexts (the room maker runs at that moment).
  int made_room = 0;
  served->set_room_maker([&] {
    if (made_room++ == 0) {
      for (int i = 0; i < 3; ++i) held.pop_back();
    }
    return false;
  });
  {
    auto late = served->acquire([] { return true; });
    ASSERT_TRUE(late) << late.error().what();  // it takes one of the three
    EXPECT_EQ(made_room, 1);
  }
  held.clear();

  // All `capacity` sessions come back and answer at once: none waits for a limit set too low.
  const auto no_wait = [] { return true; };
  for (std::size_t i = 0; i < capacity; ++i) {
    auto lease = served->acquire(no_wait);
    ASSERT_TRUE(lease) << i << " of " << capacity << ": " << lease.error().what();
    ASSERT_EQ(answer(lease->llm()).value_or("failed"), "Hi") << i;
    held.push_back(std::move(*lease));
  }
  // One more is beyond what the device holds: it waits (here: its client leaves).
  auto beyond = served->acquire(no_wait);
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().code(), ErrorCode::kAborted);
}

TEST_F(ServedModelPool, OtherModelsIdleSessionsAreDroppedToMakeRoom) {
  auto first = serve("first", 10s);
  auto second = serve("second", 10s);
  int asked = 0;
  second->set_room_maker([&] {
    ++asked;
    return first->release_idle() > 0;
  });
  // `first` fills the device; its sessions go back idle, keeping their contexts.
  ASSERT_GE(fill(*first).size(), 2u);

  // No session of `second` is lent, so waiting would not help: only the room maker can, and
  // it frees `first`'s idle sessions.
  auto lease = second->acquire();
  ASSERT_TRUE(lease) << lease.error().what();
  EXPECT_EQ(asked, 1);
  auto text = answer(lease->llm());
  ASSERT_TRUE(text) << text.error().what();
  EXPECT_EQ(*text, "Hi");
  // With nothing left to free and no other session of its own lent, the answer is no.
  EXPECT_FALSE(second->note_device_full());
  EXPECT_EQ(asked, 2);
}

}  // namespace
}  // namespace npu::test
