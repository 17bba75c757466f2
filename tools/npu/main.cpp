// `npu`: the command-line front end of npustack. Subcommands are in cmd_*.cpp.
#include <string_view>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "npu/server/server.hpp"

int main(int argc, char** argv) {
  // `npu serve` waits for SIGINT/SIGTERM on one thread: block them before any thread starts.
  if (argc > 1 && std::string_view(argv[1]) == "serve") npu::server::block_stop_signals();
  CLI::App app{"npu: npustack command-line tool (devices, compile, run)"};
  app.require_subcommand(1);
  npu::tools::CommandContext ctx;
  npu::tools::add_scan_command(app, ctx);
  npu::tools::add_identify_command(app, ctx);
  npu::tools::add_compile_command(app, ctx);
  npu::tools::add_run_command(app, ctx);
  npu::tools::add_generate_command(app, ctx);
  npu::tools::add_chat_command(app, ctx);
  npu::tools::add_bench_command(app, ctx);
  npu::tools::add_predict_command(app, ctx);
  npu::tools::add_serve_command(app, ctx);
  npu::tools::add_tokenize_command(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);  // prints the usage error
    return 2;
  }
  return ctx.exit_code;
}
