// The `npu` CLI's subcommands. Each lives in its own cmd_<name>.cpp and registers itself on the
// app; its callback stores the process exit code (0 ok, 1 error; usage errors are 2 in main).
#pragma once

#include <CLI/CLI.hpp>

namespace npu::tools {

struct CommandContext {
  int exit_code = 0;
};

void add_scan_command(CLI::App& app, CommandContext& ctx);
void add_identify_command(CLI::App& app, CommandContext& ctx);
void add_compile_command(CLI::App& app, CommandContext& ctx);
void add_run_command(CLI::App& app, CommandContext& ctx);
void add_generate_command(CLI::App& app, CommandContext& ctx);
void add_chat_command(CLI::App& app, CommandContext& ctx);
void add_bench_command(CLI::App& app, CommandContext& ctx);
void add_predict_command(CLI::App& app, CommandContext& ctx);
void add_serve_command(CLI::App& app, CommandContext& ctx);
// `npu bench serve`, under `npu bench`.
void add_bench_serve_command(CLI::App& bench, CommandContext& ctx);
void add_tokenize_command(CLI::App& app, CommandContext& ctx);

}  // namespace npu::tools
