// `npu compile`: network JSON -> .npk (the small-network compiler), or an LLM -> .npk:
//   npu compile IN.gguf|HF_DIR|--synthetic CONFIG.json|NAME -o OUT.npk [--policy NAME|FILE]
//     [--context N] [--prefill-chunk N] [--calib FILE] [--profile NAME|FILE] [--chat-template FILE] [--json]
// The model's chat template (GGUF tokenizer.chat_template, HF chat_template.jinja or
// tokenizer_config.json) goes into the .npk; one the runtime's Jinja engine cannot run is refused
// here, naming the construct (--chat-template FILE replaces it).
// Long LLM compiles draw a progress bar on a terminal and stay quiet when piped.
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "commands.hpp"
#include "npu/common/file.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/net_compiler.hpp"
#include "npu/compiler/net_spec.hpp"
#include "npu/genai/chat_template.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct CompileOpts {
  std::string input, output, synthetic, policy = "default", calib, profile = "hailo10h", chat_template;
  std::uint32_t context = 0, chunk = 128, calib_tokens = 128;  // context 0: the model's default
  std::uint64_t seed = 0;
  bool json = false, timing_only = false;
};

bool is_llm_input(const CompileOpts& o) {
  std::error_code ec;
  return !o.synthetic.empty() || std::filesystem::is_directory(o.input, ec) ||
         std::filesystem::path(o.input).extension() == ".gguf";
}

// A one-line progress bar on stderr when it is a terminal.
compiler::llm::ProgressFn progress_bar(bool enabled) {
  if (!enabled || ::isatty(STDERR_FILENO) == 0) return {};
  return [last = -1](std::string_view stage, double f) mutable {
    const int pct = static_cast<int>(std::lround(f * 100));
    if (pct == last) return;
    last = pct;
    const int filled = pct * 30 / 100;
    fmt::print(stderr, "\r[{}{}] {:3d}% {:<12}", std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(30 - filled), ' '), pct, stage);
    if (pct >= 100) fmt::print(stderr, "\n");
    std::fflush(stderr);
  };
}

// Replaces the template with --chat-template's file, then checks that every template the model
// carries compiles on the runtime's Jinja engine (a chat would otherwise fail only at run time).
Expected<void> use_chat_template(const CompileOpts& o, TokenizerData& tokenizer) {
  if (!o.chat_template.empty()) {
    if (tokenizer.tokens.empty()) {
      return fail(ErrorCode::kInvalidArgument, "--chat-template needs a model with a tokenizer");
    }
    NPU_TRY_ASSIGN(tokenizer.chat_template, read_text_file(o.chat_template));
    tokenizer.named_chat_templates.clear();
  }
  auto check = [&](const std::string& text, std::string_view name) -> Expected<void> {
    if (text.empty()) return {};
    auto t = genai::ChatTemplate::compile(text, {});
    if (t) return {};
    return fail(ErrorCode::kUnsupported,
                fmt::format("the model's {}chat template cannot be run by npustack's Jinja engine: {}; give one "
                            "that can with --chat-template FILE", name, t.error().message()));
  };
  NPU_TRY(check(tokenizer.chat_template, ""));
  for (const auto& [name, text] : tokenizer.named_chat_templates) NPU_TRY(check(text, "'" + name + "' "));
  return {};
}

Expected<compiler::llm::CompiledLlm> compile_llm_input(const CompileOpts& o) {
  using namespace compiler::llm;
  LoadedLlm loaded;
  if (!o.synthetic.empty()) {
    if (!o.input.empty()) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("give either a model ('{}') or --synthetic, not both", o.input));
    }
    NPU_TRY_ASSIGN(loaded, load_llm_synthetic(o.synthetic, o.seed));
  } else {
    NPU_TRY_ASSIGN(loaded, load_llm_model(o.input));
  }
  NPU_TRY(use_chat_template(o, loaded.source.tokenizer));
  LlmCompileOptions opts;
  NPU_TRY_ASSIGN(opts.policy, load_policy(o.policy));
  NPU_TRY_ASSIGN(opts.device, load_device_memory(o.profile));
  opts.context_length = o.context;
  if (o.context == 0) {  // say which context the model gets, and why
    const compiler::ModelConfig& c = loaded.source.config;
    opts.context_length = default_context_length(c);
    fmt::print(stderr, "npu compile: no --context given: {} positions ({}; the model was trained on {})\n",
               opts.context_length,
               opts.context_length < kDefaultContextLength ? "the model's trained context" : "the default",
               c.context_length);
  }
  opts.prefill_chunk = o.chunk;
  opts.calibration_tokens = o.calib_tokens;
  opts.timing_only = o.timing_only;
  if (!o.calib.empty()) {
    NPU_TRY_ASSIGN(opts.calibration_text, read_text_file(o.calib));
    if (opts.calibration_text.empty()) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("calibration file {} is empty", o.calib));
    }
  }
  opts.progress = progress_bar(!o.json);
  NPU_TRY_ASSIGN(CompiledLlm m, compile_llm(loaded.source, opts));
  NPU_TRY(write_llm_npk(m, o.output));
  return m;
}

void print_llm(const CompileOpts& o, const compiler::llm::CompiledLlm& m) {
  using namespace compiler::llm;
  const auto& seg = m.layout.segments;
  if (o.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const LayerSqnr& l : m.calibration.layers) {
      layers.push_back({{"index", l.layer}, {"kind", compiler::to_string(l.kind)}, {"precision", l.precision},
                        {"sqnr_db", std::isfinite(l.sqnr_db) ? std::min(l.sqnr_db, 200.0) : 200.0}});
    }
    print_json({{"output", o.output}, {"kind", "llm"}, {"name", m.name},
                {"architecture", compiler::to_string(m.config.arch)}, {"policy", m.policy.name},
                {"kv_cache", compiler::llm::to_string(m.policy.kv_cache)}, {"context_length", m.layout.context_length}, {"prefill_chunk", m.layout.prefill_chunk},
                {"segments", {{"weights", seg.weights}, {"io", seg.io}, {"scratch", seg.scratch}, {"state", seg.state}}},
                {"sram_bytes", m.allocation.sram_used}, {"ddr_bytes", m.allocation.ddr_used},
                {"prefill_ops", m.prefill_ops.size()}, {"tbt_ops", m.tbt_ops.size()},
                {"calibration_tokens", m.calibration.tokens}, {"sqnr", layers},
                {"logits_sqnr_db", std::isfinite(m.calibration.logits_sqnr_db) ? std::min(m.calibration.logits_sqnr_db, 200.0) : 200.0},
                {"top1_agreement", m.calibration.top1_agreement}});
    return;
  }
  const double mib = 1024.0 * 1024.0;
  fmt::print("Compiled '{}' -> {}\n  {}\n", m.name, o.output, m.config.summary());
  fmt::print("  policy {} (KV cache {}), context {}, prefill chunk {}; prefill {} ops, tbt {} ops\n", m.policy.name,
             compiler::llm::to_string(m.policy.kv_cache), m.layout.context_length, m.layout.prefill_chunk, m.prefill_ops.size(), m.tbt_ops.size());
  fmt::print("  weights {:.1f} MiB, state {:.1f} MiB, scratch {:.1f} MiB; SRAM {:.2f} of {:.1f} MiB, DDR {:.1f} of {:.0f} MiB ({})\n",
             seg.weights / mib, seg.state / mib, seg.scratch / mib, m.allocation.sram_used / mib,
             m.allocation.sram_capacity / mib, m.allocation.ddr_used / mib, m.allocation.ddr_capacity / mib,
             m.allocation.device);
  if (m.calibration.tokens == 0) return;
  fmt::print("  SQNR vs fp32 reference over {} calibration tokens (residual stream after each layer):\n",
             m.calibration.tokens);
  for (const LayerSqnr& l : m.calibration.layers) {
    fmt::print("    layer {:3d} {:<9} {:<8} {:7.1f} dB\n", l.layer, compiler::to_string(l.kind), l.precision,
               std::min(l.sqnr_db, 200.0));
  }
  fmt::print("    logits                       {:7.1f} dB, top-1 agreement {:.0f}%\n",
             std::min(m.calibration.logits_sqnr_db, 200.0), m.calibration.top1_agreement * 100);
}

void run_net(const CompileOpts& o, CommandContext& ctx) {
  auto run = [&]() -> Expected<compiler::net::CompiledNet> {
    NPU_TRY_ASSIGN(auto spec, compiler::net::load_net_spec(o.input));
    NPU_TRY_ASSIGN(auto net, compiler::net::compile_net(spec));
    NPU_TRY(compiler::net::write_npk(net, o.output));
    return net;
  };
  auto net = run();
  if (!net) {
    ctx.exit_code = report_error("compile", net.error());
    return;
  }
  std::uint64_t params = 0;
  for (const auto& l : net->layers) params += std::uint64_t{l.in} * l.out + l.out;
  if (o.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : net->layers) {
      layers.push_back({{"name", l.name}, {"in", l.in}, {"out", l.out},
                        {"activation", compiler::net::to_string(l.activation)},
                        {"multiplier", l.multiplier}, {"shift", l.shift}});
    }
    print_json({{"output", o.output}, {"name", net->spec.name}, {"layers", layers},
                {"parameters", params}, {"weights_bytes", net->weights_image.size()},
                {"io_bytes", net->io_bytes}, {"scratch_bytes", net->scratch_bytes},
                {"program_ops", net->layers.size()}});
    return;
  }
  fmt::print("Compiled '{}' -> {}: {} layers, {} parameters, weights {} B, io {} B, scratch {} B\n",
             net->spec.name, o.output, net->layers.size(), params, net->weights_image.size(),
             net->io_bytes, net->scratch_bytes);
}

}  // namespace

void add_compile_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("compile", "Compile a network description or an LLM (GGUF, HF folder, synthetic) into an .npk");
  auto o = std::make_shared<CompileOpts>();
  cmd->add_option("input", o->input, "Network JSON, model .gguf file or Hugging Face folder");
  cmd->add_option("--synthetic", o->synthetic,
                  "LLM with synthetic weights: a config.json, or a built-in shape (lfm2.5-1.2b, lfm2-350m, qwen2-1.5b)");
  cmd->add_option("-o,--output", o->output, "Output .npk file")->required();
  cmd->add_option("--policy", o->policy, "Precision policy: default, w4a8, w8a8, fp32 or a policy JSON file");
  cmd->add_option("--context", o->context, "Context length in positions (default: 4096, or the model's trained context when smaller)");
  cmd->add_option("--prefill-chunk", o->chunk, "Rows of the prefill subnet");
  cmd->add_option("--calib", o->calib, "Calibration text file (default: built-in reasoning traces)");
  cmd->add_option("--calib-tokens", o->calib_tokens, "At most this many calibration tokens (0: skip calibration)");
  cmd->add_option("--profile", o->profile, "Device profile name or JSON file (SRAM / DDR sizes)");
  cmd->add_option("--seed", o->seed, "Seed of synthetic weights");
  cmd->add_flag("--timing-only", o->timing_only,
               "Shapes only: no weights are read or written (fast); the .npk runs only timing-only (npu bench --timing-only)");
  cmd->add_option("--chat-template", o->chat_template,
                  "Jinja chat template file to store instead of the model's own");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([&ctx, o] {
    if (o->input.empty() && o->synthetic.empty()) {
      ctx.exit_code = report_error("compile", Error(ErrorCode::kInvalidArgument,
                                                    "give a network JSON, a .gguf file, a model folder or --synthetic"));
      return;
    }
    if (!is_llm_input(*o)) {
      run_net(*o, ctx);
      return;
    }
    auto m = compile_llm_input(*o);
    if (!m) {
      ctx.exit_code = report_error("compile", m.error());
      return;
    }
    print_llm(*o, *m);
  });
}

}  // namespace npu::tools
