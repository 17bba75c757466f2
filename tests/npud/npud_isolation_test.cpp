// Least privilege through npud: a client reaches only what it created (another client's model,
// run slots, LLM sessions and shared memory are refused or invisible to it); the socket is
// created 0660, so only its owner and group (`npu`) connect; shared memory a client could
// resize under the daemon is refused; the daemon's descriptors are not reachable through /proc.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "npud_fixture.hpp"
#include "npud_llm_util.hpp"
#include "test_inputs.hpp"
#include "wire/shared_memory.hpp"

namespace npu::test {
namespace {

// Every handle a guessing client could try (handles are small integers shared by all clients).
constexpr int kMaxGuess = 64;

TEST(NpudIsolation, AClientCannotReachAnotherClientsModelsOrSessions) {
  auto npk = compile_mlp();
  auto tiny = compile_tiny("default", 5, "isolation.npk");
  NpudProcess npud;
  // Client A: a configured model with its shared-memory tensors, and an LLM session with context.
  auto vdevice = remote_vdevice();
  ASSERT_TRUE(vdevice);
  auto model = vdevice->create_infer_model(npk);
  ASSERT_TRUE(model.has_value()) << model.error().what();
  auto configured = model->configure();
  ASSERT_TRUE(configured.has_value()) << configured.error().what();
  auto llm = genai::LLM::create(*vdevice, {.model_path = tiny.path});
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  auto gen = (*llm)->generate(prompt_tokens(6), greedy(3));
  ASSERT_TRUE(gen.has_value());
  ASSERT_EQ(drain_tokens(*gen).size(), 3u);
  const auto used = (*llm)->context_usage();
  ASSERT_GT(used, 0u);

  // Client B guesses every handle with every request that reads or writes a client's buffers.
  RawClient b(npud.socket());
  ASSERT_TRUE(b.hello());
  using npud::MessageType;
  int refused = 0;
  for (int h = 0; h <= kMaxGuess; ++h) {
    const std::pair<MessageType, nlohmann::json> attempts[] = {
        {MessageType::kRun, {{"model", h}, {"slot", 0}, {"timeout_ms", 1000}}},
        {MessageType::kSetScheduler, {{"model", h}, {"priority", 1}}},
        {MessageType::kLlmSaveContext, {{"session", h}}},
        {MessageType::kLlmPrefill, {{"session", h}, {"tokens", {1, 2}}, {"mode", "logits"}}},
        {MessageType::kLlmGenerate, {{"session", h}, {"tokens", {1}}, {"params", nlohmann::json::object()}, {"stream", 1}}},
        {MessageType::kLlmCreateSession, {{"from", h}}},
        {MessageType::kLlmClear, {{"session", h}}},
        {MessageType::kReleaseModel, {{"model", h}}},
        {MessageType::kLlmRelease, {{"session", h}}},
    };
    for (const auto& [type, body] : attempts) {
      auto reply = b.call(type, body);
      ASSERT_TRUE(reply.contains("code")) << "request " << static_cast<int>(type) << " on handle " << h
                                          << " was served: " << reply.dump();
      EXPECT_EQ(npud::error_from_json(reply).code(), ErrorCode::kNotFound) << reply.dump();
      ++refused;
    }
  }
  EXPECT_EQ(refused, 9 * (kMaxGuess + 1));

  // A's work is untouched: its model runs, its session kept its context and generates on.
  auto input = run_input(model->inputs()[0].size, 3, 0);
  std::vector<std::int8_t> output(model->outputs()[0].size);
  auto bindings = configured->create_bindings();
  ASSERT_TRUE(bindings->input()->set_buffer(std::as_bytes(std::span(input))).has_value());
  ASSERT_TRUE(bindings->output()->set_buffer(std::as_writable_bytes(std::span(output))).has_value());
  EXPECT_TRUE(configured->run(*bindings).has_value());
  EXPECT_EQ((*llm)->context_usage(), used);
  auto more = (*llm)->generate(prompt_tokens(2, 50), greedy(2));
  ASSERT_TRUE(more.has_value()) << more.error().what();
  EXPECT_EQ(drain_tokens(*more).size(), 2u);
}

TEST(NpudIsolation, SharedMemoryIsSealedAndUnsealedMemoryIsRefused) {
  auto shm = npud::SharedMemory::create(8192, "isolation");
  ASSERT_TRUE(shm.has_value()) << shm.error().what();
  // The creator itself can no longer shrink it under a peer's mapping.
  EXPECT_NE(::ftruncate(shm->fd(), 0), 0);
  // A plain memfd, as a hostile client would send, is refused by the mapping side.
  UniqueFd plain(::memfd_create("plain", MFD_CLOEXEC));
  ASSERT_TRUE(plain.valid());
  ASSERT_EQ(::ftruncate(plain.get(), 8192), 0);
  auto mapped = npud::SharedMemory::map(std::move(plain), 8192);
  ASSERT_FALSE(mapped.has_value());
  EXPECT_EQ(mapped.error().code(), ErrorCode::kPermission);
  EXPECT_NE(mapped.error().message().find("sealed"), std::string::npos) << mapped.error().what();
}

TEST(NpudIsolation, OnlyTheSocketsGroupConnectsAndTheDaemonsDescriptorsStayPrivate) {
  NpudProcess npud;
  struct stat st {};
  ASSERT_EQ(::stat(npud.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u) << std::oct << (st.st_mode & 0777);
  // The daemon is not dumpable: /proc/<npud>/fd belongs to root, not to the daemon's user.
  const pid_t daemon_pid = npud.pid();
  ASSERT_GT(daemon_pid, 0);
  struct stat fds {};
  ASSERT_EQ(::stat(fmt::format("/proc/{}/fd", daemon_pid).c_str(), &fds), 0);
  EXPECT_EQ(fds.st_uid, 0u) << "npud is dumpable: its descriptors are open to its user";

  if (::geteuid() != 0) {
    GTEST_SKIP() << "the connect-as-another-user half needs root (CI runs it)";
  }
  // As root: the socket's directory is opened for all, then a child drops to an unprivileged user
  // and tries to connect: refused while the socket's group is not its group, accepted once it is.
  const auto dir = std::filesystem::path(npud.socket()).parent_path();
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  auto try_as = [&](uid_t uid, gid_t gid) {
    const pid_t child = ::fork();
    if (child == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(3);
      // And not through the daemon's descriptors either.
      if (::opendir(fmt::format("/proc/{}/fd", daemon_pid).c_str()) != nullptr) ::_exit(4);
      ::_exit(npud::connect_unix(npud.socket()) ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  constexpr uid_t kNobody = 65534;
  constexpr gid_t kOther = 65533, kNpuStandIn = 65534;
  ASSERT_EQ(::chown(npud.socket().c_str(), 0, 0), 0);
  EXPECT_EQ(try_as(kNobody, kOther), 1) << "a user outside the socket's group connected";
  ASSERT_EQ(::chown(npud.socket().c_str(), 0, kNpuStandIn), 0);  // the group stands in for `npu`
  EXPECT_EQ(try_as(kNobody, kNpuStandIn), 0) << "a member of the socket's group could not connect";
}

}  // namespace
}  // namespace npu::test
