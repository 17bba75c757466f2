// compile_llm(): validate -> weights image -> layout -> allocation plan (refuses what does not
// fit) -> fp32 calibration trace -> prefill / TBT programs -> SQNR of the emulated quantized
// programs against the fp32 trace -> metadata.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "llm_internal.hpp"
#include "npu/compiler/llm_builtin.hpp"
#include "npu/compiler/llm_emulation.hpp"
#include "npu/compiler/reference_model.hpp"
#include "npu/compiler/sqnr.hpp"

namespace npu::compiler::llm {
namespace {

// Runs the quantized prefill program over the calibration tokens and compares the residual stream
// after every layer, and the chunk-final logits, with the fp32 trace.
Expected<void> measure_sqnr(CompiledLlm& m, std::span<const std::int32_t> tokens, const detail::Fp32Trace& trace) {
  NPU_TRY_ASSIGN(LlmEmulation emu, LlmEmulation::create(m));
  const ModelConfig& c = m.config;
  const std::size_t H = c.hidden_size, chunk = m.layout.prefill_chunk;
  std::vector<Sqnr> layer(c.n_layers);
  Sqnr logits;
  std::size_t agree = 0, runs = 0;
  std::vector<std::size_t> layer_of(m.prefill_ops.size(), SIZE_MAX);
  for (std::size_t l = 0; l < m.prefill_layer_end.size(); ++l) layer_of[m.prefill_layer_end[l]] = l;
  for (std::size_t at = 0; at < tokens.size(); at += chunk) {
    const std::size_t n = std::min(chunk, tokens.size() - at);
    auto hook = [&](std::size_t index, const abi::OpDesc&) {
      if (layer_of[index] == SIZE_MAX) return;
      const auto scratch = emu.machine().segment(abi::Segment::kScratch);
      const auto* x = reinterpret_cast<const float*>(scratch.data() + m.layout.scratch.x);
      const auto& ref = trace.residual[layer_of[index]];
      layer[layer_of[index]].add(std::span<const float>(ref.data() + at * H, n * H), std::span<const float>(x, n * H));
    };
    NPU_TRY_ASSIGN(std::span<const float> got, emu.prefill(tokens.subspan(at, n), hook));
    const auto& ref = trace.logits.at(runs++);
    logits.add(ref, got);
    agree += argmax(ref) == argmax(got) ? 1 : 0;
  }
  for (std::uint32_t l = 0; l < c.n_layers; ++l) {
    m.calibration.layers.push_back({l, c.layer_kinds[l], to_string(m.policy.for_layer(l, c.layer_kinds[l])), layer[l].db()});
  }
  m.calibration.logits_sqnr_db = logits.db();
  m.calibration.top1_agreement = runs == 0 ? 0.0 : static_cast<double>(agree) / runs;
  return {};
}

}  // namespace

std::uint32_t default_context_length(const ModelConfig& config) noexcept {
  std::uint32_t ctx = kDefaultContextLength;
  if (config.context_length != 0 && config.context_length < ctx) ctx = config.context_length / 64 * 64;
  return std::max<std::uint32_t>(ctx, 64);
}

Expected<void> validate_options(const ModelConfig& config, const LlmCompileOptions& o) {
  const std::uint32_t ctx = o.context_length != 0 ? o.context_length : default_context_length(config);
  if (ctx < 64 || ctx > 131072 || ctx % 64 != 0) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("--context {} is not supported; use 2048, 4096 (default) or 8192 (any multiple of 64 "
                            "from 64 to 131072 works)", ctx));
  }
  if (config.context_length != 0 && ctx > config.context_length) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("--context {} exceeds the model's trained context of {} "
                                                         "positions; choose {} or less", ctx, config.context_length,
                                                         config.context_length));
  }
  if (o.prefill_chunk == 0 || o.prefill_chunk > 1024 || o.prefill_chunk > ctx) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("--prefill-chunk {} must be from 1 to 1024 and at most the "
                                                         "context ({}); 128 is the default", o.prefill_chunk, ctx));
  }
  if (o.device.ddr_bytes == 0) {
    return fail(ErrorCode::kInvalidArgument, "no device memory sizes given; load a profile (e.g. hailo10h) first");
  }
  for (const auto& [index, prec] : o.policy.layers) {
    if (index >= config.n_layers) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("policy '{}' names layer {}, but the model has {} layers",
                                                           o.policy.name, index, config.n_layers));
    }
  }
  return {};
}

Expected<CompiledLlm> compile_llm(const LlmSource& source, const LlmCompileOptions& requested) {
  if (source.weights == nullptr && !requested.timing_only) {
    return fail(ErrorCode::kInvalidArgument, "compile_llm() needs a weight source (or options.timing_only)");
  }
  const ModelConfig& c = source.config;
  NPU_TRY(c.validate());
  if (!requested.timing_only) NPU_TRY(c.executes_with_values());
  NPU_TRY(validate_options(c, requested));
  LlmCompileOptions options = requested;
  if (options.context_length == 0) options.context_length = default_context_length(c);
  const WeightSource* src = options.timing_only ? nullptr : source.weights;
  if (src != nullptr) NPU_TRY(check_weights(c, *src));
  auto progress = [&](std::string_view stage, double f) {
    if (options.progress) options.progress(stage, f);
  };
  CompiledLlm m;
  m.config = c;
  m.policy = options.policy;
  m.tokenizer = source.tokenizer;
  m.name = source.name;
  m.synthetic = source.synthetic;

  progress("weights", 0.0);
  NPU_TRY_ASSIGN(detail::WeightsImage w,
                 detail::build_weights(c, src, options.policy, [&](double f) { progress("weights", 0.4 * f); }));
  m.weights_bytes = w.size;
  m.layout = detail::make_layout(c, options.prefill_chunk, options.context_length, w.size, options.policy.kv_cache);
  NPU_TRY_ASSIGN(m.allocation, detail::plan_allocation(c, w, m.layout, options.device));

  const std::string_view text = options.calibration_text.empty() ? default_calibration_text()
                                                                 : std::string_view(options.calibration_text);
  const std::vector<std::int32_t> tokens = options.calibration_tokens == 0 || src == nullptr
      ? std::vector<std::int32_t>{}
      : detail::tokenize_for_calibration(source.tokenizer, text, c.vocab_size,
                                         std::min(options.calibration_tokens, options.context_length));
  detail::Fp32Trace trace;
  if (!tokens.empty()) {
    NPU_TRY_ASSIGN(trace, detail::run_fp32_trace(c, *src, tokens, options.prefill_chunk,
                                                 [&](double f) { progress("calibration", 0.4 + 0.3 * f); }));
  }
  m.calibration.tokens = static_cast<std::uint32_t>(tokens.size());
  m.calibration.amax = trace.amax;
  m.calibration.clip = trace.clip;

  if (!options.clip_activations) m.calibration.clip = trace.amax;
  const auto& ranges = m.calibration.clip;
  detail::EmittedProgram prefill = detail::emit_program(c, w, m.layout, ranges, options.prefill_chunk);
  detail::EmittedProgram tbt = detail::emit_program(c, w, m.layout, ranges, 1);
  m.prefill_ops = std::move(prefill.ops);
  m.prefill_layer_end = std::move(prefill.layer_end);
  m.tbt_ops = std::move(tbt.ops);
  m.tbt_layer_end = std::move(tbt.layer_end);
  m.weights = std::move(w.bytes);

  if (!tokens.empty()) {
    progress("sqnr", 0.7);
    NPU_TRY(measure_sqnr(m, tokens, trace));
  }
  m.metadata_json = detail::metadata_json(m);
  progress("done", 1.0);
  return m;
}

}  // namespace npu::compiler::llm
