// A "scripted" test model: a tiny LFM2 (conv + attention blocks, untied head) whose weights are
// constructed so that greedy decoding follows chosen token chains — a bigram model that runs on
// the real compiler and the simulated device like any checkpoint.
//
// How: every block's output projections (conv out_proj, attn_output, ffn_down) are zero, so each
// block adds exactly nothing and the residual stream reaching the final norm is the current
// token's embedding. Each token of the script gets its own hidden dimension (one-hot embedding);
// the head row of successor(t) points along t's dimension. The logit of the successor is then
// kMarginLogit and every other logit 0 — a margin that int8/int4 quantization keeps exactly.
// Tokens outside the script embed along a spare dimension no head row reads (all logits 0).
//
// The vocabulary: the 256 GPT-2 byte tokens first, then the script's multi-character pieces,
// then LFM2's special tokens (<think>, </think>, <|tool_call_start|>, <|im_end|>, ...) in a
// shuffled order at ids no model family uses — code under test must look them up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/tokenizer_data.hpp"

namespace npu::test {

// A piece is a special token's text ("<think>"), one byte ("\n", "["), or a longer text that
// becomes one vocabulary token (" None}])]"). Within a chain each piece is followed by the next;
// a piece that occurs in several places must always have the same successor (cycles are fine).
using ScriptChain = std::vector<std::string>;

struct ScriptSpec {
  std::string name = "scripted-lfm2";
  std::vector<ScriptChain> chains;
  std::uint32_t context_length = 64;
  std::uint32_t prefill_chunk = 8;
  std::string policy = "default";  // a built-in precision policy of the compiler
  // Pieces (of the chains) that also end a turn: the config's end_of_turn_ids, as a Hugging Face
  // `eos_token_id` list names them.
  std::vector<std::string> end_of_turn = {};
};

struct ScriptedModel {
  static constexpr float kMarginLogit = 8.0f;  // designed logit of the successor; others 0

  std::filesystem::path path;  // the compiled .npk
  TokenizerData tokenizer;
  std::map<std::string, std::int32_t> ids;  // piece -> token id, for every piece of the script

  // The id of a piece of the script; -1 (and a test failure is the caller's job) if unknown.
  [[nodiscard]] std::int32_t id(const std::string& piece) const;
  // The ids of the pieces of a chain, in order.
  [[nodiscard]] std::vector<std::int32_t> ids_of(const ScriptChain& chain) const;
};

// The LFM2 special tokens the vocabulary carries.
[[nodiscard]] const std::vector<std::string>& lfm2_special_tokens();

// Builds the vocabulary and weights, compiles them with the real compiler and writes `out`.
// kInvalidArgument for a piece with two successors or a script needing more dimensions than the
// model has.
[[nodiscard]] Expected<ScriptedModel> build_scripted_model(const ScriptSpec& spec,
                                                           const std::filesystem::path& out);

}  // namespace npu::test
