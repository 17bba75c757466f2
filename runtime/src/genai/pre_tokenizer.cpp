#include "npu/genai/pre_tokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "npu/common/log.hpp"
#include "utf8.hpp"

namespace npu::genai {
namespace {

// The expressions as llama.cpp applies them (llama-vocab.cpp, LLAMA_VOCAB_PRE_TYPE_LLAMA3 /
// QWEN2 / GPT2). The case-insensitive contractions are spelled out as character classes there.
constexpr std::string_view kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";

struct Variant {
  std::string_view name;
  std::string_view pattern;
  bool ignore_merges;
};
constexpr std::array<Variant, 6> kVariants{{
    {"lfm2", kLlama3, true},
    {"llama3", kLlama3, true},
    {"llama-v3", kLlama3, true},
    {"llama-bpe", kLlama3, true},
    {"qwen2", kQwen2, false},
    {"gpt2", kGpt2, false},
}};

}  // namespace

struct PreTokenizer::Regex {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Regex() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(std::string name, std::unique_ptr<Regex> regex, bool ignore_merges)
    : name_(std::move(name)), regex_(std::move(regex)), ignore_merges_(ignore_merges) {}
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;
PreTokenizer::~PreTokenizer() = default;

std::vector<std::string_view> PreTokenizer::known_names() {
  std::vector<std::string_view> names;
  for (const Variant& v : kVariants) names.push_back(v.name);
  return names;
}

Expected<PreTokenizer> PreTokenizer::create(std::string_view name) {
  const Variant* variant = nullptr;
  for (const Variant& v : kVariants) {
    if (v.name == name) variant = &v;
  }
  if (variant == nullptr) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("pre-tokenizer '{}' is not supported; known: {}", name,
                            fmt::join(known_names(), ", ")));
  }
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  auto regex = std::make_unique<Regex>();
  regex->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(variant->pattern.data()),
                              variant->pattern.size(), PCRE2_UTF | PCRE2_UCP, &error_code,
                              &error_offset, nullptr);
  if (regex->code == nullptr) {
    std::array<PCRE2_UCHAR, 256> message{};
    pcre2_get_error_message(error_code, message.data(), message.size());
    return fail(ErrorCode::kInternal,
                fmt::format("pre-tokenizer '{}' regex does not compile at offset {}: {}", name,
                            error_offset, reinterpret_cast<const char*>(message.data())));
  }
  // JIT is an optimisation: without it (or when it fails) the interpreter gives the same matches.
  regex->jit = pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE) == 0;
  if (!regex->jit) log().debug("pre-tokenizer '{}': PCRE2 JIT unavailable, interpreting", name);
  return PreTokenizer(std::string(name), std::move(regex), variant->ignore_merges);
}

Expected<std::vector<std::string_view>> PreTokenizer::split(std::string_view text) const {
  if (const auto bad = utf8::find_invalid(text)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("text is not valid UTF-8 (bad byte {:#04x} at offset {}); pass UTF-8 "
                            "text", static_cast<unsigned char>(text[*bad]), *bad));
  }
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(regex_->code, nullptr), &pcre2_match_data_free);
  if (!match) return fail(ErrorCode::kOutOfMemory, "pre-tokenizer: no memory for PCRE2 match data");

  std::vector<std::string_view> pieces;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::size_t pos = 0;
  bool use_jit = regex_->jit;
  while (pos < text.size()) {
    // The text was checked above, so PCRE2 need not check it again on every call.
    int rc = pcre2_match(regex_->code, subject, text.size(), pos,
                         PCRE2_NO_UTF_CHECK | (use_jit ? 0u : PCRE2_NO_JIT), match.get(), nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT && use_jit) {
      use_jit = false;  // a very long run exhausted the JIT stack: retry with the interpreter
      continue;
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      std::array<PCRE2_UCHAR, 256> message{};
      pcre2_get_error_message(rc, message.data(), message.size());
      return fail(ErrorCode::kInternal, fmt::format("pre-tokenizer '{}' match failed at offset {}: "
                                                    "{}", name_, pos,
                                                    reinterpret_cast<const char*>(message.data())));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const std::size_t start = ovector[0], end = ovector[1];
    if (start > pos) pieces.push_back(text.substr(pos, start - pos));
    if (end == start) {
      // An empty match cannot advance: step one character and keep it with the gap.
      std::size_t next = start;
      (void)utf8::next(text, next);
      pieces.push_back(text.substr(start, next - start));
      pos = next;
      continue;
    }
    pieces.push_back(text.substr(start, end - start));
    pos = end;
  }
  if (pos < text.size()) pieces.push_back(text.substr(pos));
  return pieces;
}

}  // namespace npu::genai
