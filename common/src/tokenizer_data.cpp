#include "npu/common/tokenizer_data.hpp"

#include <array>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

namespace npu {
namespace {

constexpr std::array<char, 8> kMagic = {'N', 'P', 'U', 'T', 'O', 'K', 'Z', '\0'};
constexpr std::uint32_t kHeaderSize = 48;
constexpr std::uint32_t kFlagAddBos = 1u << 0;
constexpr std::uint32_t kFlagAddEos = 1u << 1;
constexpr std::uint32_t kKnownFlags = kFlagAddBos | kFlagAddEos;
// Far above any real vocabulary (LFM2: 65536, Qwen: 151936) but small enough to refuse garbage.
constexpr std::uint32_t kMaxTokens = 1u << 24;

class ByteWriter {
 public:
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xffu));
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void raw(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::byte*>(data);
    out_.insert(out_.end(), p, p + size);
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  void u8(std::uint8_t v) { out_.push_back(static_cast<std::byte>(v)); }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  std::vector<std::byte> out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}

  [[nodiscard]] std::size_t remaining() const { return bytes_.size() - pos_; }
  [[nodiscard]] std::size_t position() const { return pos_; }

  Expected<std::uint32_t> u32(std::string_view what) {
    if (remaining() < 4) return truncated(what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::to_integer<std::uint32_t>(bytes_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  Expected<std::int32_t> i32(std::string_view what) {
    NPU_TRY_ASSIGN(const std::uint32_t v, u32(what));
    return static_cast<std::int32_t>(v);
  }
  // `index` >= 0 names the element of a list in error messages.
  Expected<std::string> str(std::string_view what, std::int64_t index = -1) {
    if (remaining() < 4) return truncated(what, index);
    NPU_TRY_ASSIGN(const std::uint32_t n, u32(what));
    if (remaining() < n) return truncated(what, index);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Expected<std::uint8_t> u8(std::string_view what) {
    if (remaining() < 1) return truncated(what);
    return std::to_integer<std::uint8_t>(bytes_[pos_++]);
  }
  Expected<void> skip(std::size_t n, std::string_view what) {
    if (remaining() < n) return truncated(what);
    pos_ += n;
    return {};
  }

 private:
  std::unexpected<Error> truncated(std::string_view what, std::int64_t index = -1) const {
    return fail(ErrorCode::kBadFormat,
                fmt::format("tokenizer section is truncated while reading {}{} at byte {} of {}; "
                            "the .npk is damaged: recompile the model", what,
                            index >= 0 ? fmt::format(" {}", index) : std::string(), pos_,
                            bytes_.size()));
  }
  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
};

Expected<void> check_id(std::int32_t id, std::string_view name, std::size_t count) {
  if (id == TokenizerData::kNoToken) return {};
  if (id < 0 || static_cast<std::size_t>(id) >= count) {
    return fail(ErrorCode::kBadFormat, fmt::format("tokenizer {} id {} is outside the vocabulary "
                                                   "of {} tokens", name, id, count));
  }
  return {};
}

}  // namespace

std::string_view to_string(TokenType type) noexcept {
  switch (type) {
    case TokenType::kUndefined: return "undefined";
    case TokenType::kNormal: return "normal";
    case TokenType::kUnknown: return "unknown";
    case TokenType::kControl: return "control";
    case TokenType::kUserDefined: return "user-defined";
    case TokenType::kUnused: return "unused";
    case TokenType::kByte: return "byte";
  }
  return "invalid";
}

Expected<TokenType> token_type_from_gguf(std::int32_t value) {
  if (value < 0 || value > static_cast<std::int32_t>(TokenType::kByte)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("token type {} is not a GGUF token type (0..6)", value));
  }
  return static_cast<TokenType>(value);
}

Expected<void> TokenizerData::validate() const {
  if (model.empty()) return fail(ErrorCode::kBadFormat, "tokenizer model name is empty");
  if (pre.empty()) return fail(ErrorCode::kBadFormat, "tokenizer pre-tokenizer name is empty");
  if (tokens.empty()) return fail(ErrorCode::kBadFormat, "tokenizer has no tokens");
  if (tokens.size() > kMaxTokens) {
    return fail(ErrorCode::kBadFormat, fmt::format("tokenizer has {} tokens; at most {} are "
                                                   "supported", tokens.size(), kMaxTokens));
  }
  if (token_types.size() != tokens.size()) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("tokenizer has {} tokens but {} token types", tokens.size(),
                            token_types.size()));
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].empty()) {
      return fail(ErrorCode::kBadFormat, fmt::format("tokenizer token {} is an empty string", i));
    }
    if (static_cast<std::uint8_t>(token_types[i]) > static_cast<std::uint8_t>(TokenType::kByte)) {
      return fail(ErrorCode::kBadFormat, fmt::format("tokenizer token {} has an invalid type {}", i,
                                                     static_cast<int>(token_types[i])));
    }
    if (!seen.insert(tokens[i]).second) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("tokenizer token {} ('{}') is a duplicate of an earlier token", i,
                              tokens[i]));
    }
  }
  NPU_TRY(check_id(bos_id, "BOS", tokens.size()));
  NPU_TRY(check_id(eos_id, "EOS", tokens.size()));
  NPU_TRY(check_id(pad_id, "padding", tokens.size()));
  NPU_TRY(check_id(unk_id, "unknown-token", tokens.size()));
  if (add_bos && bos_id == kNoToken) {
    return fail(ErrorCode::kBadFormat, "tokenizer asks to add BOS but has no BOS token id");
  }
  if (add_eos && eos_id == kNoToken) {
    return fail(ErrorCode::kBadFormat, "tokenizer asks to add EOS but has no EOS token id");
  }
  return {};
}

std::vector<std::byte> TokenizerData::serialize() const {
  ByteWriter w;
  w.raw(kMagic.data(), kMagic.size());
  w.u32(named_chat_templates.empty() ? 1 : kFormatVersion);  // without named templates the file stays version 1 (older readers read it)
  w.u32(kHeaderSize);
  w.u32(static_cast<std::uint32_t>(tokens.size()));
  w.u32(static_cast<std::uint32_t>(merges.size()));
  w.i32(bos_id);
  w.i32(eos_id);
  w.i32(pad_id);
  w.i32(unk_id);
  w.u32((add_bos ? kFlagAddBos : 0u) | (add_eos ? kFlagAddEos : 0u));
  w.u32(0);
  w.str(model);
  w.str(pre);
  w.str(chat_template);
  for (const std::string& t : tokens) w.str(t);
  for (const std::string& m : merges) w.str(m);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    w.u8(static_cast<std::uint8_t>(i < token_types.size() ? token_types[i] : TokenType::kNormal));
  }
  if (!named_chat_templates.empty()) {
    w.u32(static_cast<std::uint32_t>(named_chat_templates.size()));
    for (const auto& [name, text] : named_chat_templates) {
      w.str(name);
      w.str(text);
    }
  }
  return w.take();
}

Expected<TokenizerData> TokenizerData::parse(std::span<const std::byte> bytes) {
  if (bytes.size() < kMagic.size() ||
      std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    return fail(ErrorCode::kBadFormat,
                "tokenizer section does not start with the NPUTOKZ magic; the .npk is damaged or "
                "was written by an incompatible tool: recompile the model");
  }
  ByteReader r(bytes);
  NPU_TRY(r.skip(kMagic.size(), "magic"));
  NPU_TRY_ASSIGN(const std::uint32_t version, r.u32("format version"));
  if (version == 0 || version > kFormatVersion) {
    return fail(ErrorCode::kVersionMismatch,
                fmt::format("tokenizer section format version {} is not supported (this build "
                            "reads up to {}); update npustack or recompile the model",
                            version, kFormatVersion));
  }
  NPU_TRY_ASSIGN(const std::uint32_t header_size, r.u32("header size"));
  if (header_size < kHeaderSize || header_size > bytes.size()) {
    return fail(ErrorCode::kBadFormat, fmt::format("tokenizer header size {} is invalid "
                                                   "(expected at least {})", header_size, kHeaderSize));
  }
  TokenizerData d;
  NPU_TRY_ASSIGN(const std::uint32_t token_count, r.u32("token count"));
  NPU_TRY_ASSIGN(const std::uint32_t merge_count, r.u32("merge count"));
  if (token_count > kMaxTokens || merge_count > kMaxTokens) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("tokenizer counts are implausible ({} tokens, {} merges); the .npk is "
                            "damaged: recompile the model", token_count, merge_count));
  }
  NPU_TRY_ASSIGN(d.bos_id, r.i32("BOS id"));
  NPU_TRY_ASSIGN(d.eos_id, r.i32("EOS id"));
  NPU_TRY_ASSIGN(d.pad_id, r.i32("padding id"));
  NPU_TRY_ASSIGN(d.unk_id, r.i32("unknown-token id"));
  NPU_TRY_ASSIGN(const std::uint32_t flags, r.u32("flags"));
  if ((flags & ~kKnownFlags) != 0) {
    return fail(ErrorCode::kUnsupported, fmt::format("tokenizer flags {:#x} include bits this "
                                                     "build does not know", flags));
  }
  d.add_bos = (flags & kFlagAddBos) != 0;
  d.add_eos = (flags & kFlagAddEos) != 0;
  // Skip the rest of a (future, larger) header.
  NPU_TRY(r.skip(header_size - r.position(), "header"));
  NPU_TRY_ASSIGN(d.model, r.str("model name"));
  NPU_TRY_ASSIGN(d.pre, r.str("pre-tokenizer name"));
  NPU_TRY_ASSIGN(d.chat_template, r.str("chat template"));
  // Every string costs at least 4 bytes: refuse counts the remaining bytes cannot hold before
  // reserving memory for them.
  if (static_cast<std::uint64_t>(token_count) * 5 + static_cast<std::uint64_t>(merge_count) * 4 >
      r.remaining()) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("tokenizer section is too short for {} tokens and {} merges; the .npk "
                            "is damaged: recompile the model", token_count, merge_count));
  }
  d.tokens.reserve(token_count);
  for (std::uint32_t i = 0; i < token_count; ++i) {
    NPU_TRY_ASSIGN(std::string t, r.str("token", i));
    d.tokens.push_back(std::move(t));
  }
  d.merges.reserve(merge_count);
  for (std::uint32_t i = 0; i < merge_count; ++i) {
    NPU_TRY_ASSIGN(std::string m, r.str("merge", i));
    d.merges.push_back(std::move(m));
  }
  d.token_types.reserve(token_count);
  for (std::uint32_t i = 0; i < token_count; ++i) {
    NPU_TRY_ASSIGN(const std::uint8_t t, r.u8("token types"));
    if (t > static_cast<std::uint8_t>(TokenType::kByte)) {
      return fail(ErrorCode::kBadFormat, fmt::format("token {} has type {}, which is not a GGUF "
                                                     "token type (0..6); recompile the model", i, t));
    }
    d.token_types.push_back(static_cast<TokenType>(t));
  }
  if (version >= 2) {
    NPU_TRY_ASSIGN(const std::uint32_t named, r.u32("named chat template count"));
    if (named > r.remaining() / 8) {
      return fail(ErrorCode::kBadFormat, fmt::format("tokenizer section claims {} named chat templates; the "
                                                     ".npk is damaged: recompile the model", named));
    }
    for (std::uint32_t i = 0; i < named; ++i) {
      NPU_TRY_ASSIGN(std::string name, r.str("chat template name", i));
      NPU_TRY_ASSIGN(std::string text, r.str("named chat template", i));
      d.named_chat_templates.emplace_back(std::move(name), std::move(text));
    }
  }
  if (r.remaining() != 0) {
    return fail(ErrorCode::kBadFormat, fmt::format("tokenizer section has {} unexpected bytes "
                                                   "after its end", r.remaining()));
  }
  NPU_TRY(d.validate());
  return d;
}

}  // namespace npu
