#include "scripted_model.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_device.hpp"
#include "npu/compiler/model_weights.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"

namespace npu::test {
namespace {

using compiler::TensorShape;

constexpr std::uint32_t kHidden = 64;

compiler::ModelConfig scripted_config(std::uint32_t vocab, std::uint32_t context, std::int32_t bos,
                                      std::int32_t eos, std::int32_t pad) {
  compiler::ModelConfig c;
  c.arch = compiler::Architecture::kLfm2;
  c.hidden_size = kHidden;
  c.n_heads = 4;
  c.head_dim = 16;
  c.ffn_size = 64;
  c.vocab_size = vocab;
  c.context_length = context;
  c.conv_l_cache = 3;
  c.layer_kinds = {compiler::LayerKind::kConv, compiler::LayerKind::kAttention, compiler::LayerKind::kConv};
  c.kv_heads = {0, 2, 0};
  c.n_layers = 3;
  c.rope_theta = 1e6;
  c.qk_norm = true;
  c.tied_embeddings = false;
  c.bos_token_id = bos;
  c.eos_token_id = eos;
  c.pad_token_id = pad;
  return c;
}

// The constructed weights. Only the embedding, the final norm and the head carry the script;
// the blocks compute on arbitrary (small, deterministic) weights and add zero to the stream.
class ScriptedWeights final : public compiler::WeightSource {
 public:
  ScriptedWeights(const compiler::ModelConfig& config, std::vector<std::int32_t> dim_of,
                  std::vector<std::int32_t> successor)
      : specs_(compiler::expected_tensors(config)), dim_of_(std::move(dim_of)), successor_(std::move(successor)) {}

  [[nodiscard]] std::string describe() const override { return "scripted bigram weights"; }
  [[nodiscard]] std::vector<std::string> tensor_names() const override {
    std::vector<std::string> names;
    for (const auto& s : specs_) names.push_back(s.name);
    return names;
  }
  [[nodiscard]] Expected<TensorShape> shape(std::string_view name) const override {
    for (const auto& s : specs_) {
      if (s.name == name) return s.shape;
    }
    return fail(ErrorCode::kNotFound, fmt::format("scripted weights have no tensor '{}'", name));
  }
  [[nodiscard]] Expected<std::vector<float>> load(std::string_view name) const override {
    NPU_TRY_ASSIGN(TensorShape dims, shape(name));
    std::uint64_t n = 1;
    for (auto d : dims) n *= d;
    std::vector<float> v(n, 0.0f);
    const std::size_t spare = kHidden - 1;
    if (name == "token_embd.weight") {  // row t: one-hot along t's dimension (or the spare one)
      for (std::size_t t = 0; t < dim_of_.size(); ++t) {
        const std::size_t d = dim_of_[t] >= 0 ? static_cast<std::size_t>(dim_of_[t]) : spare;
        v[t * kHidden + d] = 1.0f;
      }
    } else if (name == "output.weight") {  // row successor(t) reads t's dimension
      for (std::size_t t = 0; t < successor_.size(); ++t) {
        if (successor_[t] >= 0) {
          v[static_cast<std::size_t>(successor_[t]) * kHidden + static_cast<std::size_t>(dim_of_[t])] = 1.0f;
        }
      }
    } else if (name.ends_with("norm.weight")) {
      std::fill(v.begin(), v.end(), 1.0f);
    } else if (!name.ends_with("out_proj.weight") && !name.ends_with("attn_output.weight") &&
               !name.ends_with("ffn_down.weight")) {
      // Arbitrary but deterministic in [-0.1, 0.1): the blocks' inner computation.
      for (std::size_t i = 0; i < v.size(); ++i) {
        v[i] = static_cast<float>((i * 2654435761u + name.size() * 40503u) % 2000) * 1e-4f - 0.1f;
      }
    }
    return v;
  }

 private:
  std::vector<compiler::TensorSpec> specs_;
  std::vector<std::int32_t> dim_of_, successor_;
};

}  // namespace

const std::vector<std::string>& lfm2_special_tokens() {
  // A shuffled order, so no id matches the synthetic or the real LFM2 vocabulary.
  static const std::vector<std::string> kSpecials{
      "<|tool_list_end|>", "<|im_end|>", "<|tool_call_end|>", "<think>", "<|pad|>",
      "<|tool_response_start|>", "<|startoftext|>", "</think>", "<|tool_call_start|>", "<|endoftext|>",
      "<|tool_list_start|>", "<|im_start|>", "<|tool_response_end|>"};
  return kSpecials;
}

std::int32_t ScriptedModel::id(const std::string& piece) const {
  auto it = ids.find(piece);
  return it == ids.end() ? -1 : it->second;
}

std::vector<std::int32_t> ScriptedModel::ids_of(const ScriptChain& chain) const {
  std::vector<std::int32_t> out;
  for (const auto& p : chain) out.push_back(id(p));
  return out;
}

Expected<ScriptedModel> build_scripted_model(const ScriptSpec& spec, const std::filesystem::path& out) {
  ScriptedModel m;
  m.path = out;
  TokenizerData& t = m.tokenizer;
  NPU_TRY_ASSIGN(auto bytes, compiler::make_synthetic_tokenizer(compiler::kSyntheticMinVocab));
  std::map<std::string, std::int32_t> by_text;  // vocabulary text -> id
  auto add = [&](const std::string& text, TokenType type) {
    by_text.emplace(text, static_cast<std::int32_t>(t.tokens.size()));
    t.tokens.push_back(text);
    t.token_types.push_back(type);
  };
  for (std::uint32_t b = 0; b < 256; ++b) add(bytes.tokens[compiler::kSyntheticSpecialTokens + b], TokenType::kNormal);
  auto byte_level = [&](const std::string& raw) {
    std::string s;
    for (unsigned char c : raw) s += t.tokens[c];
    return s;
  };
  const auto& specials = lfm2_special_tokens();
  auto is_special = [&](const std::string& p) { return std::find(specials.begin(), specials.end(), p) != specials.end(); };
  for (const auto& chain : spec.chains) {
    for (const auto& piece : chain) {
      if (piece.empty()) return fail(ErrorCode::kInvalidArgument, "a script piece is empty");
      if (is_special(piece) || piece.size() == 1 || by_text.contains(byte_level(piece))) continue;
      add(byte_level(piece), TokenType::kNormal);
    }
  }
  for (const auto& s : specials) add(s, TokenType::kControl);
  // A few reserved tokens, so the vocabulary is not exactly the script.
  while (t.tokens.size() % 16 != 0) add(fmt::format("<|reserved_{}|>", t.tokens.size()), TokenType::kControl);
  t.bos_id = by_text.at("<|startoftext|>");
  t.eos_id = by_text.at("<|im_end|>");
  t.pad_id = by_text.at("<|pad|>");
  t.add_bos = true;
  for (const auto& chain : spec.chains) {
    for (const auto& piece : chain) {
      m.ids[piece] = is_special(piece) ? by_text.at(piece) : by_text.at(byte_level(piece));
    }
  }

  const std::size_t vocab = t.tokens.size();
  std::vector<std::int32_t> dim_of(vocab, -1), successor(vocab, -1);
  std::int32_t next_dim = 0;
  for (const auto& chain : spec.chains) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
      const std::int32_t tok = m.ids.at(chain[i]);
      if (dim_of[tok] < 0) {
        if (next_dim >= static_cast<std::int32_t>(kHidden) - 1) {
          return fail(ErrorCode::kInvalidArgument,
                      fmt::format("the script has more than {} distinct pieces; split it into two models", kHidden - 1));
        }
        dim_of[tok] = next_dim++;
      }
      if (i + 1 == chain.size()) continue;
      const std::int32_t next = m.ids.at(chain[i + 1]);
      if (successor[tok] >= 0 && successor[tok] != next) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("script piece '{}' is followed by two different pieces; a bigram model "
                                "gives each token one successor (use a second model)", chain[i]));
      }
      successor[tok] = next;
    }
  }

  auto config = scripted_config(static_cast<std::uint32_t>(vocab), spec.context_length, t.bos_id, t.eos_id, t.pad_id);
  for (const auto& piece : spec.end_of_turn) {
    if (!m.ids.contains(piece)) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("end-of-turn piece '{}' is in no chain", piece));
    }
    config.end_of_turn_ids.push_back(m.ids.at(piece));
  }
  NPU_TRY(config.validate());
  ScriptedWeights weights(config, std::move(dim_of), std::move(successor));
  compiler::llm::LlmSource source{config, &weights, t, spec.name, false};
  compiler::llm::LlmCompileOptions options;
  NPU_TRY_ASSIGN(options.policy, compiler::llm::builtin_policy(spec.policy));
  options.context_length = spec.context_length;
  options.prefill_chunk = spec.prefill_chunk;
  options.calibration_tokens = 32;
  NPU_TRY_ASSIGN(options.device, compiler::llm::load_device_memory("hailo10h"));
  NPU_TRY_ASSIGN(auto compiled, compiler::llm::compile_llm(source, options));
  NPU_TRY(compiler::llm::write_llm_npk(compiled, out));
  return m;
}

}  // namespace npu::test
