// `npu generate --multi-process-service`: the CLI through npud generates what it generates in
// process, and with npud gone it fails with the daemon's message (exit 1), not a hang or a crash.
#include <signal.h>

#include <string>

#include "cli_runner.hpp"
#include "npud_fixture.hpp"
#include "npud_llm_util.hpp"

namespace npu::test {
namespace {

TEST(NpudCli, GenerateThroughNpudMatchesInProcessAndFailsClearlyWithoutIt) {
  auto tiny = compile_tiny("default", 11, "npud_cli.npk");
  const auto prompt = prompt_tokens(4);
  const auto expected = generate_in_process(tiny.path, prompt, 5).tokens;
  ASSERT_EQ(expected.size(), 5u);
  std::string ids;
  for (auto t : prompt) ids += (ids.empty() ? "" : ",") + std::to_string(t);
  const std::string args = "generate \"" + tiny.path.string() + "\" --tokens " + ids +
                           " --greedy --ignore-eos --max-tokens 5 --json --multi-process-service";

  NpudProcess npud;  // exports NPU_NPUD_SOCKET, which the CLI inherits
  const auto r = run_npu(args);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;  // 5 tokens + the summary
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(lines[i]["token"].get<int>(), expected[i]) << i;
  EXPECT_TRUE(lines[5].value("summary", false));
  EXPECT_GT(lines[5].value("energy_j", 0.0), 0.0);  // the device's figures travel too

  EXPECT_NE(run_npu("generate \"" + tiny.path.string() + "\" --tokens 1 --group-id X 2>/dev/null").exit_code, 0)
      << "--group-id without --multi-process-service must be refused";
  EXPECT_EQ(npud.stop(SIGTERM), 0) << "npud did not shut down cleanly";
  const auto gone = run_npu(args + " 2>&1");
  EXPECT_EQ(gone.exit_code, 1) << gone.out;
  EXPECT_NE(gone.out.find("npud"), std::string::npos) << gone.out;
  EXPECT_NE(gone.out.find("not running"), std::string::npos) << gone.out;
}

}  // namespace
}  // namespace npu::test
