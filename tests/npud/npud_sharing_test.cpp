// Clients of one .npk share its weights in npud (device memory: the second client costs only its
// session state), the weights live until the last session of any client goes, another file (a
// copy) loads again, and a client killed mid-generation disturbs a concurrent one of the same model.
#include <signal.h>

#include "npud_fixture.hpp"
#include "npud_llm_util.hpp"

namespace npu::test {
namespace {

std::int64_t free_memory(VDevice& v) {
  auto s = v.stats(0);
  EXPECT_TRUE(s.has_value()) << s.error().what();
  return s ? static_cast<std::int64_t>(s->device_memory_free) : -1;
}

std::vector<genai::TokenId> generate(genai::LLM& llm, std::span<const genai::TokenId> prompt, std::uint32_t n) {
  EXPECT_TRUE(llm.clear_context().has_value());
  auto gen = llm.generate(prompt, greedy(n));
  EXPECT_TRUE(gen.has_value()) << gen.error().what();
  return gen ? drain_tokens(*gen) : std::vector<genai::TokenId>{};
}

// The daemon's entry for a loaded LLM file (status -> groups[0].llm_models), or null.
nlohmann::json llm_entry(NpudProcess& npud, const std::filesystem::path& path) {
  auto s = npud.status();
  for (const auto& e : s["groups"][0]["llm_models"]) {
    if (e.value("path", "") == std::filesystem::absolute(path).string()) return e;
  }
  return nullptr;
}

TEST(NpudSharing, ClientsOfOneModelShareItsWeights) {
  auto tiny = compile_tiny("default", 31, "npud_shared.npk");
  auto copy = npud_temp("npud_shared_copy.npk");  // same bytes, another file: loaded again
  std::filesystem::copy_file(tiny.path, copy, std::filesystem::copy_options::overwrite_existing);
  const auto prompt = prompt_tokens(6);
  const auto expected = generate_in_process(tiny.path, prompt, 8).tokens;

  NpudProcess npud;
  auto c1 = remote_vdevice(), c2 = remote_vdevice(), c3 = remote_vdevice();
  ASSERT_TRUE(c1 && c2 && c3);
  const auto free0 = free_memory(*c1);
  auto llm1 = genai::LLM::create(*c1, {.model_path = tiny.path});
  ASSERT_TRUE(llm1.has_value()) << llm1.error().what();
  const auto free1 = free_memory(*c1);
  auto llm2 = genai::LLM::create(*c2, {.model_path = tiny.path});  // another client, same file
  ASSERT_TRUE(llm2.has_value()) << llm2.error().what();
  const auto free2 = free_memory(*c2);
  auto extra = (*llm2)->create_session();  // a second session of client 2: session state only
  ASSERT_TRUE(extra.has_value());
  const auto free3 = free_memory(*c2);
  auto llm3 = genai::LLM::create(*c3, {.model_path = copy});  // a copy: its own weights
  ASSERT_TRUE(llm3.has_value()) << llm3.error().what();
  const auto free4 = free_memory(*c3);

  const auto first_client = free0 - free1, second_client = free1 - free2, session = free2 - free3,
             copy_client = free3 - free4;
  std::printf("device memory per client: first %lld B, second (shared weights) %lld B, extra session %lld B, "
              "client of a copy %lld B\n", static_cast<long long>(first_client), static_cast<long long>(second_client),
              static_cast<long long>(session), static_cast<long long>(copy_client));
  EXPECT_GT(session, 0);
  EXPECT_EQ(second_client, session) << "the second client of the file should cost a session, not the weights";
  EXPECT_GT(first_client, second_client);
  EXPECT_EQ(copy_client, first_client) << "a different file loads its own weights";
  auto entry = llm_entry(npud, tiny.path);
  ASSERT_FALSE(entry.is_null()) << npud.status().dump();
  EXPECT_EQ(entry.value("loads", 0), 1);
  EXPECT_EQ(entry.value("reuses", 0), 1);
  EXPECT_EQ(entry.value("sessions", 0), 3);

  // Every client generates what it would alone; the loader leaving keeps the weights for the others.
  EXPECT_EQ(generate(**llm2, prompt, 8), expected);
  llm1->reset();
  EXPECT_EQ(generate(**llm2, prompt, 8), expected);
  EXPECT_EQ(generate(**extra, prompt, 8), expected);
  EXPECT_EQ(generate(**llm3, prompt, 8), expected);
  // A client arriving now shares the weights still loaded (through client 2's sessions).
  auto c4 = remote_vdevice();
  ASSERT_TRUE(c4);
  const auto before4 = free_memory(*c4);
  auto llm4 = genai::LLM::create(*c4, {.model_path = tiny.path});
  ASSERT_TRUE(llm4.has_value()) << llm4.error().what();
  EXPECT_EQ(before4 - free_memory(*c4), session);
  EXPECT_EQ(generate(**llm4, prompt, 8), expected);

  // The last session of each file frees its weights: all memory comes back.
  llm2->reset();
  extra->reset();
  llm3->reset();
  llm4->reset();
  EXPECT_EQ(free_memory(*c1), free0);
  EXPECT_TRUE(llm_entry(npud, tiny.path).is_null());
}

TEST(NpudSharing, KilledClientMidGenerationDoesNotDisturbAConcurrentOne) {
  auto tiny = compile_tiny("default", 32, "npud_kill_llm.npk");
  const auto prompt = prompt_tokens(5);
  const auto expected = generate_in_process(tiny.path, prompt, 30).tokens;
  NpudProcess npud;
  auto vdevice = remote_vdevice();
  ASSERT_TRUE(vdevice);
  const auto free0 = free_memory(*vdevice);
  auto marker = npud_temp("llm_victim.marker");
  std::filesystem::remove(marker);
  pid_t victim = spawn({NPUD_CLIENT_PATH, tiny.path.string(), "0", "0", npud_temp("llm_victim.out").string(),
                        "llm-forever", marker.string()});
  for (int i = 0; i < 1000 && !std::filesystem::exists(marker); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(std::filesystem::exists(marker)) << "the victim client never generated";

  auto llm = genai::LLM::create(*vdevice, {.model_path = tiny.path});  // shares the victim's weights
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  auto gen = (*llm)->generate(prompt, greedy(30));
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  std::vector<genai::TokenId> tokens;
  genai::GenerationStatus status{};
  while (true) {
    auto out = gen->read(std::chrono::seconds(30));
    ASSERT_TRUE(out.has_value()) << out.error().what();
    if (out->kind == genai::OutputKind::kEnd) {
      status = out->status;
      break;
    }
    tokens.push_back(out->token);
    if (tokens.size() == 3) {  // both generating: the victim dies mid-generation
      ::kill(victim, SIGKILL);
      ::waitpid(victim, nullptr, 0);
    }
  }
  EXPECT_EQ(tokens, expected);
  EXPECT_EQ(status, genai::GenerationStatus::kMaxTokensReached);

  // The victim's session and generation are gone; ours remains and still works.
  nlohmann::json s;
  for (int i = 0; i < 250; ++i) {
    s = npud.status();
    if (s["totals"].value("llm_sessions", 0) == 1 && s["totals"].value("clients", 0) == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(s["totals"].value("llm_sessions", 0), 1) << s.dump();
  EXPECT_EQ(s["totals"].value("generations", 9), 0) << s.dump();
  EXPECT_EQ(s["totals"].value("clients", 0), 2) << s.dump();  // this VDevice and the status client
  EXPECT_EQ(generate(**llm, prompt, 30), expected);
  llm->reset();
  EXPECT_EQ(free_memory(*vdevice), free0);
}

}  // namespace
}  // namespace npu::test
