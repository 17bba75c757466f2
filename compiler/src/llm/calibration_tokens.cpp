// Tokenizes the calibration text with the model's own vocabulary: byte-level BPE (GPT-2 byte
// mapping, merges by rank) after a simple pre-split (words with their leading space, digit runs,
// punctuation runs, newlines), special tokens such as <think> matched whole. Calibration needs
// representative token ids, not a byte-exact copy of the runtime tokenizer's split.
#include <algorithm>
#include <cctype>
#include <climits>
#include <unordered_map>

#include "llm_internal.hpp"
#include "npu/common/log.hpp"

namespace npu::compiler::llm::detail {
namespace {

std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

// GPT-2's reversible byte -> printable code point mapping.
std::vector<std::string> byte_symbols() {
  std::vector<std::string> out(256);
  std::uint32_t next = 256;
  for (std::uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    out[b] = utf8(printable ? b : next++);
  }
  return out;
}

int char_class(unsigned char ch) {
  if (ch == '\n' || ch == '\r') return 0;
  if (std::isalpha(ch) || ch >= 0x80) return 1;
  if (std::isdigit(ch)) return 2;
  if (ch == ' ' || ch == '\t') return 3;
  return 4;
}

// Splits plain text into pre-tokens; a single space joins the word that follows it.
std::vector<std::string> pre_split(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  int cls = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto ch = static_cast<unsigned char>(text[i]);
    const int k = char_class(ch);
    const bool joins_space = cls == 3 && cur == " " && k != 3 && k != 0;
    if (!cur.empty() && k != cls && !joins_space) {
      words.push_back(cur);
      cur.clear();
    }
    cur += static_cast<char>(ch);
    cls = k == 3 && !joins_space ? 3 : k;
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

std::vector<std::string> code_points(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

class Bpe {
 public:
  explicit Bpe(const TokenizerData& t) : bytes_(byte_symbols()) {
    for (std::size_t i = 0; i < t.tokens.size(); ++i) ids_.emplace(t.tokens[i], static_cast<std::int32_t>(i));
    for (std::size_t i = 0; i < t.merges.size(); ++i) ranks_.emplace(t.merges[i], static_cast<int>(i));
  }
  void encode(std::string_view word, std::vector<std::int32_t>& out) const {
    std::string mapped;
    for (char ch : word) mapped += bytes_[static_cast<unsigned char>(ch)];
    std::vector<std::string> sym = code_points(mapped);
    while (sym.size() > 1) {
      int best = INT_MAX;
      std::size_t at = 0;
      for (std::size_t i = 0; i + 1 < sym.size(); ++i) {
        auto it = ranks_.find(sym[i] + " " + sym[i + 1]);
        if (it != ranks_.end() && it->second < best) best = it->second, at = i;
      }
      if (best == INT_MAX) break;
      sym[at] += sym[at + 1];
      sym.erase(sym.begin() + std::ptrdiff_t(at) + 1);
    }
    for (const std::string& s : sym) {
      if (auto it = ids_.find(s); it != ids_.end()) {
        out.push_back(it->second);
        continue;
      }
      for (const std::string& cp : code_points(s)) {  // no token for the merge result: per byte
        if (auto it = ids_.find(cp); it != ids_.end()) out.push_back(it->second);
      }
    }
  }

 private:
  std::vector<std::string> bytes_;
  std::unordered_map<std::string, std::int32_t> ids_;
  std::unordered_map<std::string, int> ranks_;
};

}  // namespace

std::vector<std::int32_t> tokenize_for_calibration(const TokenizerData& tok, std::string_view text, std::uint32_t vocab,
                                                   std::uint32_t max_tokens) {
  std::vector<std::int32_t> out;
  if (tok.bos_id >= 0 && tok.add_bos) out.push_back(tok.bos_id);
  if (tok.model == "gpt2" && !tok.tokens.empty()) {
    // Special tokens (control / user-defined, e.g. <think>) are matched whole before BPE.
    std::vector<std::pair<std::string, std::int32_t>> specials;
    for (std::size_t i = 0; i < tok.tokens.size() && i < tok.token_types.size(); ++i) {
      const TokenType type = tok.token_types[i];
      if ((type == TokenType::kControl || type == TokenType::kUserDefined) && tok.tokens[i].size() > 1) {
        specials.emplace_back(tok.tokens[i], static_cast<std::int32_t>(i));
      }
    }
    std::sort(specials.begin(), specials.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    const Bpe bpe(tok);
    std::size_t start = 0;
    auto flush = [&](std::size_t end) {
      for (const std::string& w : pre_split(text.substr(start, end - start))) bpe.encode(w, out);
    };
    for (std::size_t i = 0; i < text.size() && out.size() < max_tokens;) {
      bool matched = false;
      for (const auto& [s, id] : specials) {
        if (text.compare(i, s.size(), s) == 0) {
          flush(i);
          out.push_back(id);
          i += s.size();
          start = i;
          matched = true;
          break;
        }
      }
      if (!matched) ++i;
    }
    if (out.size() < max_tokens) flush(text.size());
  }
  std::erase_if(out, [&](std::int32_t id) { return id < 0 || static_cast<std::uint32_t>(id) >= vocab; });
  if (out.size() <= 1) {
    // No usable tokenizer (e.g. a HF folder without tokenizer.json): a fixed spread of ids.
    log().warn("calibration: the model has no byte-level BPE tokenizer; calibrating on a fixed spread of token ids");
    out.clear();
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(max_tokens, 64); ++i) {
      out.push_back(static_cast<std::int32_t>((std::uint64_t{i} * 7919 + 11) % vocab));
    }
  }
  if (out.size() > max_tokens) out.resize(max_tokens);
  return out;
}

}  // namespace npu::compiler::llm::detail
