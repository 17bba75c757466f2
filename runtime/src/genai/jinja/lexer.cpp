#include "lexer.hpp"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "../utf8.hpp"
#include "value.hpp"

namespace npu::genai::jinja {
namespace {

std::string normalize_newlines(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      out += '\n';
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      out += in[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();  // keep_trailing_newline=False
  return out;
}

// The length of the Python whitespace character at s[pos], or 0.
std::size_t space_at(std::string_view s, std::size_t pos) {
  std::size_t p = pos;
  return is_python_space(utf8::next(s, p)) ? p - pos : 0;
}

std::size_t skip_spaces(std::string_view s, std::size_t pos) {
  while (pos < s.size()) {
    const std::size_t n = space_at(s, pos);
    if (n == 0) break;
    pos += n;
  }
  return pos;
}

// Python's str.rstrip(): the length of `s` without its trailing whitespace.
std::size_t rstrip_length(std::string_view s) {
  std::size_t end = 0;
  for (std::size_t pos = 0; pos < s.size();) {
    if (!is_python_space(utf8::next(s, pos))) end = pos;
  }
  return end;
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) { out_.source = normalize_newlines(text); }

  Lexed run() {
    const std::string_view s = out_.source;
    while (pos_ < s.size()) {
      const std::size_t tag = find_tag(pos_);
      if (tag == std::string_view::npos) {
        data(s.substr(pos_), pos_);
        break;
      }
      const char type = s[tag + 1];  // '{', '%' or '#'
      char control = tag + 2 < s.size() ? s[tag + 2] : '\0';
      if (control != '-' && control != '+') control = '\0';
      std::string_view text = s.substr(pos_, tag - pos_);
      const std::size_t text_at = pos_;
      if (control == '-') {
        text = text.substr(0, rstrip_length(text));
      } else if (control != '+' && type != '{') {  // lstrip_blocks: blocks and comments only
        const std::size_t line_start = text.rfind('\n') + 1;  // npos + 1 == 0
        if ((line_start > 0 || line_starting_) && line_start < text.size() &&
            skip_spaces(text, line_start) == text.size()) {
          text = text.substr(0, line_start);
        }
      }
      data(text, text_at);
      pos_ = tag + 2 + (control != '\0' ? 1 : 0);
      if (type == '#') {
        comment(tag);
      } else if (type == '%' && raw_block(tag)) {
        continue;
      } else {
        tag_body(type == '{', tag);
      }
    }
    out_.tokens.push_back({TokenKind::kEnd, "", 0, 0.0, s.size()});
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    raise(fmt::format("{} ({})", what, describe_position(out_.source, at)));
  }

  std::size_t find_tag(std::size_t from) const {
    const std::string_view s = out_.source;
    for (std::size_t p = s.find('{', from); p != std::string_view::npos; p = s.find('{', p + 1)) {
      if (p + 1 < s.size() && (s[p + 1] == '{' || s[p + 1] == '%' || s[p + 1] == '#')) return p;
    }
    return std::string_view::npos;
  }

  void data(std::string_view text, std::size_t at) {
    if (!text.empty()) out_.tokens.push_back({TokenKind::kData, std::string(text), 0, 0.0, at});
  }

  // After a tag's end marker: "-" strips the whitespace that follows, "+" keeps it, otherwise
  // trim_blocks removes one newline (blocks and comments only).
  void after_end(char control, bool trim_newline) {
    const std::string_view s = out_.source;
    if (control == '-') {
      pos_ = skip_spaces(s, pos_);
    } else if (control != '+' && trim_newline && pos_ < s.size() && s[pos_] == '\n') {
      ++pos_;
    }
    line_starting_ = pos_ > 0 && s[pos_ - 1] == '\n';
  }

  void comment(std::size_t tag) {
    const std::string_view s = out_.source;
    const std::size_t end = s.find("#}", pos_);
    if (end == std::string_view::npos) fail(tag, "missing end of comment tag '#}'");
    char control = end > pos_ ? s[end - 1] : '\0';
    pos_ = end + 2;
    after_end(control == '-' || control == '+' ? control : '\0', true);
  }

  // {% raw %}...{% endraw %}: everything between is data. False when the block is not raw.
  bool raw_block(std::size_t tag) {
    const std::string_view s = out_.source;
    std::size_t p = skip_spaces(s, pos_);
    if (s.substr(p, 3) != "raw" || (p + 3 < s.size() && is_name_char(s[p + 3]))) return false;
    p = skip_spaces(s, p + 3);
    char control = '\0';
    if (p < s.size() && s[p] == '-') {
      control = '-';
      ++p;
    }
    if (s.substr(p, 2) != "%}") fail(p, "expected '%}' after 'raw'");
    pos_ = p + 2;
    if (control == '-') pos_ = skip_spaces(s, pos_);
    for (std::size_t q = find_tag(pos_); q != std::string_view::npos; q = find_tag(q + 1)) {
      if (s[q + 1] != '%') continue;
      std::size_t r = q + 2;
      char begin_control = r < s.size() && (s[r] == '-' || s[r] == '+') ? s[r] : '\0';
      if (begin_control != '\0') ++r;
      r = skip_spaces(s, r);
      if (s.substr(r, 6) != "endraw" || (r + 6 < s.size() && is_name_char(s[r + 6]))) continue;
      r = skip_spaces(s, r + 6);
      char end_control = r < s.size() && (s[r] == '-' || s[r] == '+') ? s[r] : '\0';
      if (end_control != '\0') ++r;
      if (s.substr(r, 2) != "%}") fail(r, "expected '%}' after 'endraw'");
      std::string_view text = s.substr(pos_, q - pos_);
      if (begin_control == '-') {
        text = text.substr(0, rstrip_length(text));
      } else if (begin_control != '+') {
        const std::size_t line_start = text.rfind('\n') + 1;
        if (line_start > 0 && line_start < text.size() && skip_spaces(text, line_start) == text.size()) {
          text = text.substr(0, line_start);
        }
      }
      data(text, pos_);
      pos_ = r + 2;
      after_end(end_control, true);
      return true;
    }
    fail(tag, "missing '{% endraw %}' for this '{% raw %}'");
  }

  void tag_body(bool variable, std::size_t tag) {
    const std::string_view s = out_.source;
    out_.tokens.push_back({variable ? TokenKind::kVarBegin : TokenKind::kBlockBegin, "", 0, 0.0, tag});
    std::vector<char> brackets;
    while (true) {
      pos_ = skip_spaces(s, pos_);
      if (pos_ >= s.size()) {
        fail(tag, variable ? "missing '}}' to close this '{{'" : "missing '%}' to close this '{%'");
      }
      if (brackets.empty() && end_of_tag(variable)) return;
      const char c = s[pos_];
      const std::size_t at = pos_;
      if (std::isdigit(static_cast<unsigned char>(c))) {
        number();
      } else if (is_name_start(c)) {
        std::size_t e = pos_;
        while (e < s.size() && is_name_char(s[e])) ++e;
        out_.tokens.push_back({TokenKind::kName, std::string(s.substr(pos_, e - pos_)), 0, 0.0, at});
        pos_ = e;
      } else if (c == '\'' || c == '"') {
        string_literal();
      } else {
        static constexpr std::array<std::string_view, 26> kOps = {
            "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(",
            ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};
        std::string_view op;
        for (std::string_view o : kOps) {
          if (s.substr(pos_, o.size()) == o) {
            op = o;
            break;
          }
        }
        if (op.empty()) fail(at, fmt::format("unexpected character '{}'", c));
        if (op == "(" || op == "[" || op == "{") brackets.push_back(op == "(" ? ')' : op == "[" ? ']' : '}');
        if (op == ")" || op == "]" || op == "}") {
          if (brackets.empty()) fail(at, fmt::format("unexpected '{}'", op));
          if (brackets.back() != op[0]) fail(at, fmt::format("unexpected '{}', expected '{}'", op, brackets.back()));
          brackets.pop_back();
        }
        out_.tokens.push_back({TokenKind::kOperator, std::string(op), 0, 0.0, at});
        pos_ += op.size();
      }
    }
  }

  bool end_of_tag(bool variable) {
    const std::string_view s = out_.source;
    const std::string_view marker = variable ? "}}" : "%}";
    char control = '\0';
    std::size_t p = pos_;
    if (s[p] == '-' || (!variable && s[p] == '+')) {
      control = s[p];
      ++p;
    }
    if (s.substr(p, 2) != marker) return false;
    out_.tokens.push_back({variable ? TokenKind::kVarEnd : TokenKind::kBlockEnd, "", 0, 0.0, pos_});
    pos_ = p + 2;
    after_end(control, !variable);
    return true;
  }

  void number() {
    const std::string_view s = out_.source;
    const std::size_t at = pos_;
    std::string digits;
    auto take_digits = [&](std::size_t& p) {
      const std::size_t start = p;
      while (p < s.size() && (std::isdigit(static_cast<unsigned char>(s[p])) ||
                              (s[p] == '_' && p + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[p + 1]))))) {
        if (s[p] != '_') digits += s[p];
        ++p;
      }
      return p > start;
    };
    std::size_t p = pos_;
    if (s[p] == '0' && p + 1 < s.size() && std::string_view("xXoObB").find(s[p + 1]) != std::string_view::npos) {
      const int base = (s[p + 1] == 'x' || s[p + 1] == 'X') ? 16 : (s[p + 1] == 'o' || s[p + 1] == 'O') ? 8 : 2;
      p += 2;
      std::int64_t v = 0;
      const std::size_t start = p;
      while (p < s.size()) {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[p])));
        int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (c == '_') { ++p; continue; }
        if (d < 0 || d >= base) break;
        v = v * base + d;
        ++p;
      }
      if (p == start) fail(at, "malformed number");
      out_.tokens.push_back({TokenKind::kInteger, "", v, 0.0, at});
      pos_ = p;
      return;
    }
    take_digits(p);
    bool is_float = false;
    if (p + 1 < s.size() && s[p] == '.' && std::isdigit(static_cast<unsigned char>(s[p + 1]))) {
      digits += '.';
      ++p;
      take_digits(p);
      is_float = true;
    }
    if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
      std::size_t q = p + 1;
      std::string exp = "e";
      if (q < s.size() && (s[q] == '+' || s[q] == '-')) exp += s[q++];
      if (q < s.size() && std::isdigit(static_cast<unsigned char>(s[q]))) {
        digits += exp;
        p = q;
        take_digits(p);
        is_float = true;
      }
    }
    pos_ = p;
    if (is_float) {
      out_.tokens.push_back({TokenKind::kFloat, "", 0, std::strtod(digits.c_str(), nullptr), at});
      return;
    }
    std::int64_t v = 0;
    for (char c : digits) {
      if (v > (INT64_MAX - (c - '0')) / 10) fail(at, "integer literal too large (beyond 64 bits)");
      v = v * 10 + (c - '0');
    }
    out_.tokens.push_back({TokenKind::kInteger, "", v, 0.0, at});
  }

  // Python's string escapes (Jinja decodes literals with "unicode-escape").
  void string_literal() {
    const std::string_view s = out_.source;
    const std::size_t at = pos_;
    const char quote = s[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= s.size()) fail(at, "unterminated string literal");
      const char c = s[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= s.size()) fail(at, "unterminated string literal");
      const char e = s[pos_++];
      auto hex = [&](int n) {
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i) {
          if (pos_ >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[pos_]))) {
            fail(at, fmt::format("truncated \\{} escape in string literal", e));
          }
          const char h = static_cast<char>(std::tolower(static_cast<unsigned char>(s[pos_++])));
          v = v * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : h - 'a' + 10);
        }
        if (v > 0x10ffff) fail(at, "escape beyond U+10FFFF in string literal");
        utf8::append(value, v);
      };
      switch (e) {
        case '\n': break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case 'a': value += '\a'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'n': value += '\n'; break;
        case 'r': value += '\r'; break;
        case 't': value += '\t'; break;
        case 'v': value += '\v'; break;
        case 'x': hex(2); break;
        case 'u': hex(4); break;
        case 'U': hex(8); break;
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int i = 0; i < 2 && pos_ < s.size() && s[pos_] >= '0' && s[pos_] <= '7'; ++i) {
              v = v * 8 + static_cast<std::uint32_t>(s[pos_++] - '0');
            }
            utf8::append(value, v);
          } else {
            value += '\\';
            value += e;
          }
      }
    }
    out_.tokens.push_back({TokenKind::kString, std::move(value), 0, 0.0, at});
  }

  Lexed out_;
  std::size_t pos_ = 0;
  bool line_starting_ = true;
};

}  // namespace

Lexed lex(std::string_view template_text) { return Lexer(template_text).run(); }

std::string describe_position(std::string_view source, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(source[i]) & 0xc0) != 0x80) {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

}  // namespace npu::genai::jinja
