#include "npu/genai/tokenizer.hpp"

#include <algorithm>
#include <queue>

#include <fmt/format.h>

#include "byte_level.hpp"
#include "npu/common/log.hpp"
#include "utf8.hpp"

namespace npu::genai {
namespace {

constexpr std::uint64_t pair_key(TokenId left, TokenId right) noexcept {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

// "<0x41>" -> 0x41 (SentencePiece-style byte tokens).
std::optional<std::uint8_t> parse_byte_token(std::string_view text) {
  if (text.size() != 6 || !text.starts_with("<0x") || text.back() != '>') return std::nullopt;
  unsigned value = 0;
  for (char c : text.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
    else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
    else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
    else return std::nullopt;
  }
  return static_cast<std::uint8_t>(value);
}

}  // namespace

Expected<Tokenizer> Tokenizer::create(const TokenizerData& data) {
  NPU_TRY(data.validate());
  if (data.model != "gpt2") {
    return fail(ErrorCode::kUnsupported,
                fmt::format("tokenizer model '{}' is not supported; only byte-level BPE ('gpt2') "
                            "is", data.model));
  }
  NPU_TRY_ASSIGN(PreTokenizer pre, PreTokenizer::create(data.pre));
  Tokenizer t(std::move(pre));
  t.tokens_ = data.tokens;
  t.types_ = data.token_types;
  t.bos_ = data.bos_id;
  t.eos_ = data.eos_id;
  t.pad_ = data.pad_id;
  t.add_bos_ = data.add_bos;
  t.add_eos_ = data.add_eos;
  t.chat_template_ = data.chat_template;

  const ByteLevel& bl = ByteLevel::instance();
  t.bytes_.resize(t.tokens_.size());
  t.by_text_.reserve(t.tokens_.size());
  for (std::size_t i = 0; i < t.tokens_.size(); ++i) {
    const std::string& text = t.tokens_[i];
    t.by_text_.emplace(text, static_cast<TokenId>(i));
    switch (t.types_[i]) {
      case TokenType::kNormal:
      case TokenType::kUndefined:
        (void)bl.decode(text, t.bytes_[i]);
        break;
      case TokenType::kByte:
        if (const auto b = parse_byte_token(text)) t.bytes_[i] = std::string(1, static_cast<char>(*b));
        else (void)bl.decode(text, t.bytes_[i]);
        break;
      default:
        t.bytes_[i] = text;  // special tokens stand for their own text
        break;
    }
    if (t.is_special(static_cast<TokenId>(i))) {
      t.specials_.push_back(static_cast<TokenId>(i));
      t.special_first_[static_cast<std::uint8_t>(text[0])] = true;
    }
  }
  std::stable_sort(t.specials_.begin(), t.specials_.end(), [&](TokenId a, TokenId b) {
    return t.tokens_[a].size() > t.tokens_[b].size();
  });

  t.byte_tokens_.assign(256, -1);
  for (int b = 0; b < 256; ++b) {
    const auto it = t.by_text_.find(bl.encode(static_cast<std::uint8_t>(b)));
    if (it == t.by_text_.end()) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("byte-level vocabulary lacks the token for byte {:#04x} ('{}'); a "
                              "'gpt2' vocabulary needs all 256 byte tokens: check the model's "
                              "tokenizer", b, bl.encode(static_cast<std::uint8_t>(b))));
    }
    t.byte_tokens_[static_cast<std::size_t>(b)] = it->second;
  }
  NPU_TRY(t.load_merges(data.merges));
  return t;
}

Expected<void> Tokenizer::load_merges(const std::vector<std::string>& merges) {
  merges_.reserve(merges.size());
  std::size_t skipped = 0;
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string& m = merges[rank];
    // The separator is the first space after the first character ("Ġ t" splits at 2 bytes).
    const std::size_t first_len = m.empty() ? 0 : std::max<std::size_t>(1, utf8::sequence_length(
                                                      static_cast<unsigned char>(m[0])));
    const std::size_t space = m.find(' ', first_len);
    if (space == std::string::npos || space + 1 >= m.size()) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("tokenizer merge {} ('{}') is not 'left right'; the model's "
                              "tokenizer is damaged", rank, m));
    }
    const std::string_view left(m.data(), space), right(m.data() + space + 1, m.size() - space - 1);
    const auto l = by_text_.find(left), r = by_text_.find(right);
    const auto merged = by_text_.find(std::string(left) + std::string(right));
    if (l == by_text_.end() || r == by_text_.end() || merged == by_text_.end()) {
      ++skipped;  // a merge whose parts or result are not tokens can never apply
      continue;
    }
    merges_.try_emplace(pair_key(l->second, r->second),
                        Merge{static_cast<std::int32_t>(rank), merged->second});
  }
  if (skipped > 0) log().debug("tokenizer: {} merges name tokens not in the vocabulary", skipped);
  return {};
}

bool Tokenizer::is_special(TokenId id) const noexcept {
  if (!valid(id)) return false;
  const TokenType t = types_[static_cast<std::size_t>(id)];
  return t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown;
}

bool Tokenizer::is_hidden(TokenId id) const noexcept {
  if (!valid(id)) return true;
  const TokenType t = types_[static_cast<std::size_t>(id)];
  return t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUnused;
}

std::string_view Tokenizer::token_bytes(TokenId id) const noexcept {
  return valid(id) ? std::string_view(bytes_[static_cast<std::size_t>(id)]) : std::string_view();
}
std::string_view Tokenizer::token_text(TokenId id) const noexcept {
  return valid(id) ? std::string_view(tokens_[static_cast<std::size_t>(id)]) : std::string_view();
}
TokenType Tokenizer::token_type(TokenId id) const noexcept {
  return valid(id) ? types_[static_cast<std::size_t>(id)] : TokenType::kUndefined;
}
std::optional<TokenId> Tokenizer::token_id(std::string_view text) const {
  const auto it = by_text_.find(text);
  return it == by_text_.end() ? std::nullopt : std::optional<TokenId>(it->second);
}

Expected<std::vector<TokenId>> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 2);
  if (options.add_special && add_bos_) out.push_back(bos_);
  std::size_t plain_start = 0;
  if (!specials_.empty()) {
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
      const TokenId found = special_at(text, pos, options.parse_special);
      if (found < 0) continue;
      NPU_TRY(encode_text(text.substr(plain_start, pos - plain_start), out));
      out.push_back(found);
      pos += tokens_[static_cast<std::size_t>(found)].size() - 1;
      plain_start = pos + 1;
    }
  }
  NPU_TRY(encode_text(text.substr(plain_start), out));
  if (options.add_special && add_eos_) out.push_back(eos_);
  return out;
}

TokenId Tokenizer::special_at(std::string_view text, std::size_t pos, bool parse_special) const {
  if (!special_first_[static_cast<std::uint8_t>(text[pos])]) return -1;
  const std::string_view rest = text.substr(pos);
  for (TokenId id : specials_) {  // longest first
    // As in llama.cpp (and HF tokenizers): user-defined tokens are matched even when special
    // parsing is off; control and unknown tokens only with it.
    if (!parse_special && types_[static_cast<std::size_t>(id)] != TokenType::kUserDefined) continue;
    if (rest.starts_with(tokens_[static_cast<std::size_t>(id)])) return id;
  }
  return -1;
}

Expected<void> Tokenizer::encode_text(std::string_view text, std::vector<TokenId>& out) const {
  if (text.empty()) return {};
  NPU_TRY_ASSIGN(const std::vector<std::string_view> pieces, pre_.split(text));
  for (std::string_view piece : pieces) encode_piece(piece, out);
  return {};
}

void Tokenizer::encode_piece(std::string_view piece, std::vector<TokenId>& out) const {
  const ByteLevel& bl = ByteLevel::instance();
  if (pre_.ignore_merges()) {
    if (const auto it = by_text_.find(bl.encode(piece));
        it != by_text_.end() && !is_special(it->second)) {
      out.push_back(it->second);
      return;
    }
  }
  // Symbols start as one byte token each, linked in a list; a min-heap of adjacent pairs by
  // (rank, position) picks the next merge. Stale heap entries are skipped when popped.
  struct Symbol {
    TokenId id;
    std::int32_t prev, next;
  };
  struct Candidate {
    std::int32_t rank, left, right;
    TokenId left_id, right_id;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  for (std::size_t i = 0; i < piece.size(); ++i) {
    symbols.push_back({byte_tokens_[static_cast<std::uint8_t>(piece[i])],
                       static_cast<std::int32_t>(i) - 1,
                       i + 1 < piece.size() ? static_cast<std::int32_t>(i + 1) : -1});
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  const auto consider = [&](std::int32_t left, std::int32_t right) {
    if (left < 0 || right < 0) return;
    const TokenId a = symbols[static_cast<std::size_t>(left)].id;
    const TokenId b = symbols[static_cast<std::size_t>(right)].id;
    if (const auto it = merges_.find(pair_key(a, b)); it != merges_.end()) {
      heap.push({it->second.rank, left, right, a, b});
    }
  };
  for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
    consider(static_cast<std::int32_t>(i), static_cast<std::int32_t>(i + 1));
  }
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    Symbol& l = symbols[static_cast<std::size_t>(c.left)];
    Symbol& r = symbols[static_cast<std::size_t>(c.right)];
    if (l.id != c.left_id || r.id != c.right_id || l.next != c.right) continue;  // stale
    l.id = merges_.at(pair_key(c.left_id, c.right_id)).merged;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<std::size_t>(r.next)].prev = c.left;
    r.id = -1;
    consider(l.prev, c.left);
    consider(c.left, l.next);
  }
  for (std::int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
    out.push_back(symbols[static_cast<std::size_t>(i)].id);
  }
}

Expected<std::string> Tokenizer::decode(std::span<const TokenId> ids, DecodeOptions options) const {
  std::string bytes;
  for (TokenId id : ids) {
    if (!valid(id)) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("token id {} is outside the vocabulary of {} tokens", id,
                              tokens_.size()));
    }
    if (options.skip_special && is_hidden(id)) continue;
    bytes += bytes_[static_cast<std::size_t>(id)];
  }
  return utf8::sanitize(bytes);
}

}  // namespace npu::genai
