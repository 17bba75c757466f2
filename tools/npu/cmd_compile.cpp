// `npu compile NET.json -o OUT.npk [--json]`: the small-network compiler. (Model formats such as
// GGUF / HF are added here as they land.)
#include <fmt/format.h>

#include "commands.hpp"
#include "npu/compiler/net_compiler.hpp"
#include "npu/compiler/net_spec.hpp"
#include "output.hpp"

namespace npu::tools {

void add_compile_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("compile", "Compile a network description into an .npk model");
  struct Opts {
    std::string input, output;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("network", o->input, "Network description (JSON)")->required();
  cmd->add_option("-o,--output", o->output, "Output .npk file")->required();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([&ctx, o] {
    auto run = [&]() -> Expected<compiler::net::CompiledNet> {
      NPU_TRY_ASSIGN(auto spec, compiler::net::load_net_spec(o->input));
      NPU_TRY_ASSIGN(auto net, compiler::net::compile_net(spec));
      NPU_TRY(compiler::net::write_npk(net, o->output));
      return net;
    };
    auto net = run();
    if (!net) {
      ctx.exit_code = report_error("compile", net.error());
      return;
    }
    std::uint64_t params = 0;
    for (const auto& l : net->layers) params += std::uint64_t{l.in} * l.out + l.out;
    if (o->json) {
      nlohmann::json layers = nlohmann::json::array();
      for (const auto& l : net->layers) {
        layers.push_back({{"name", l.name}, {"in", l.in}, {"out", l.out},
                          {"activation", compiler::net::to_string(l.activation)},
                          {"multiplier", l.multiplier}, {"shift", l.shift}});
      }
      print_json({{"output", o->output}, {"name", net->spec.name}, {"layers", layers},
                  {"parameters", params}, {"weights_bytes", net->weights_image.size()},
                  {"io_bytes", net->io_bytes}, {"scratch_bytes", net->scratch_bytes},
                  {"program_ops", net->layers.size()}});
      return;
    }
    fmt::print("Compiled '{}' -> {}: {} layers, {} parameters, weights {} B, io {} B, scratch {} B\n",
               net->spec.name, o->output, net->layers.size(), params, net->weights_image.size(),
               net->io_bytes, net->scratch_bytes);
  });
}

}  // namespace npu::tools
