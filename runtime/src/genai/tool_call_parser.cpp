#include "npu/genai/tool_call_parser.hpp"

#include <cerrno>
#include <cmath>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "utf8.hpp"

namespace npu::genai {
namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& j) {
  // Replace (never throw on) invalid UTF-8.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Recursive-descent reader of Python call syntax over a string_view; every method returns
// false after recording the first error.
class PythonReader {
 public:
  explicit PythonReader(std::string_view text) : s_(text) {}

  bool calls(std::vector<ToolCall>& out) {
    ws();
    const bool bracketed = peek('[');
    if (bracketed) ++pos_;
    ws();
    while (!(bracketed && peek(']')) && pos_ < s_.size()) {
      ToolCall call;
      if (!one_call(call)) return false;
      out.push_back(std::move(call));
      ws();
      if (peek(',')) {
        ++pos_;
        ws();
        continue;
      }
      break;
    }
    if (bracketed && !expect(']', "']' closing the list of calls")) return false;
    ws();
    if (pos_ != s_.size()) return error("end of the tool calls");
    if (out.empty()) return error("a function call such as name(arg=value)");
    return true;
  }

  [[nodiscard]] std::string message() const { return error_; }

 private:
  bool one_call(ToolCall& call) {
    std::string name;
    if (!identifier(name, "a function name")) return false;
    while (peek('.')) {  // dotted names: module.func
      ++pos_;
      std::string part;
      if (!identifier(part, "a name after '.'")) return false;
      name += "." + part;
    }
    ws();
    if (!expect('(', "'(' after the function name")) return false;
    Json args = Json::object();
    ws();
    while (!peek(')')) {
      std::string key;
      if (!identifier(key, "a keyword argument name (positional arguments are not supported)")) {
        return false;
      }
      ws();
      if (!expect('=', "'=' after the argument name")) return false;
      ws();
      Json v;
      if (!value(v, 0)) return false;
      args[key] = std::move(v);
      ws();
      if (!peek(',')) break;
      ++pos_;
      ws();
    }
    if (!expect(')', "')' or ',' after an argument")) return false;
    call.name = std::move(name);
    call.arguments_json = dump(args);
    return true;
  }

  bool value(Json& out, int depth) {
    if (depth >= ToolCallParser::kMaxDepth) return error("less deeply nested values");
    ws();
    if (pos_ >= s_.size()) return error("a value");
    const char c = s_[pos_];
    if (c == '"' || c == '\'') return string(out);
    if (c == '[' || c == '(') return sequence(out, depth, c == '[' ? ']' : ')');
    if (c == '{') return dict(out, depth);
    if (is_digit(c) || c == '-' || c == '+' || c == '.') return number(out);
    std::string word;
    if (!identifier(word, "a value")) return false;
    if (word == "True" || word == "true") out = true;
    else if (word == "False" || word == "false") out = false;
    else if (word == "None" || word == "null") out = nullptr;
    else return error_at(pos_ - word.size(), "a value (string, number, True/False/None, list or dict)");
    return true;
  }

  bool sequence(Json& out, int depth, char close) {
    ++pos_;
    out = Json::array();
    ws();
    while (!peek(close)) {
      Json v;
      if (!value(v, depth + 1)) return false;
      out.push_back(std::move(v));
      ws();
      if (!peek(',')) break;
      ++pos_;
      ws();
    }
    return expect(close, close == ']' ? "']' or ','" : "')' or ','");
  }

  bool dict(Json& out, int depth) {
    ++pos_;
    out = Json::object();
    ws();
    while (!peek('}')) {
      Json key;
      if (!value(key, depth + 1)) return false;
      if (!key.is_string()) {
        if (key.is_structured()) return error("a string or number as a dict key");
        key = dump(key);  // Python allows 1: ..., JSON needs "1"
      }
      ws();
      if (!expect(':', "':' after a dict key")) return false;
      Json v;
      if (!value(v, depth + 1)) return false;
      out[key.get<std::string>()] = std::move(v);
      ws();
      if (!peek(',')) break;
      ++pos_;
      ws();
    }
    return expect('}', "'}' or ','");
  }

  bool number(Json& out) {
    const std::size_t start = pos_;
    if (peek('-') || peek('+')) ++pos_;
    bool is_float = false;
    std::size_t digits = 0;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_, ++digits;
    if (peek('.')) {
      is_float = true;
      ++pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_, ++digits;
    }
    if (digits == 0) return error_at(start, "a number");
    if (peek('e') || peek('E')) {
      is_float = true;
      ++pos_;
      if (peek('-') || peek('+')) ++pos_;
      if (pos_ >= s_.size() || !is_digit(s_[pos_])) return error("digits of the exponent");
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    }
    std::string text(s_.substr(start, pos_ - start));
    if (text[0] == '+') text.erase(0, 1);
    if (!is_float) {
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && end == text.data() + text.size()) {
        out = v;
        return true;
      }
    }
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(d)) {
      return error_at(start, "a number that fits a double");
    }
    out = d;
    return true;
  }

  bool string(Json& out) {
    const char quote = s_[pos_++];
    std::string value;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      const char c = s_[pos_++];
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case 'a': value += '\a'; break;
        case '0': value += '\0'; break;
        case '\\': case '\'': case '"': value += e; break;
        case '\n': break;  // line continuation
        case 'x': case 'u': case 'U': {
          std::uint32_t cp = 0;
          if (!hex(e == 'x' ? 2 : e == 'u' ? 4 : 8, cp)) return false;
          if (e == 'u' && cp >= 0xd800 && cp <= 0xdbff && s_.substr(pos_, 2) == "\\u") {
            // A JSON-style surrogate pair.
            pos_ += 2;
            std::uint32_t low = 0;
            if (!hex(4, low)) return false;
            cp = (low >= 0xdc00 && low <= 0xdfff) ? 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00)
                                                  : 0xfffd;
          }
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
          utf8::append(value, cp);
          break;
        }
        default:  // Python keeps unknown escapes as written
          value += '\\';
          value += e;
      }
    }
    if (pos_ >= s_.size()) return error(fmt::format("the closing {} of a string", quote));
    ++pos_;
    out = std::move(value);
    return true;
  }

  bool hex(int count, std::uint32_t& out) {
    out = 0;
    for (int i = 0; i < count; ++i) {
      if (pos_ >= s_.size()) return error("hex digits of an escape");
      const char c = s_[pos_];
      std::uint32_t d = 0;
      if (is_digit(c)) d = static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') d = static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = static_cast<std::uint32_t>(c - 'A' + 10);
      else return error("hex digits of an escape");
      out = (out << 4) | d;
      ++pos_;
    }
    return true;
  }

  bool identifier(std::string& out, std::string_view what) {
    if (pos_ >= s_.size() || !is_ident_start(s_[pos_])) return error(what);
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
    const std::string_view name = s_.substr(start, pos_ - start);
    // Non-ASCII names are Unicode identifiers: their bytes must be UTF-8, or the name could not
    // reach a client as JSON text unchanged.
    if (const auto bad = utf8::find_invalid(name)) {
      pos_ = start + *bad;
      return error(std::string(what) + " in valid UTF-8");
    }
    out.assign(name);
    return true;
  }

  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' ||
                                s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  [[nodiscard]] bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool expect(char c, std::string_view what) {
    if (!peek(c)) return error(what);
    ++pos_;
    return true;
  }
  bool error(std::string_view expected) { return error_at(pos_, expected); }
  bool error_at(std::size_t at, std::string_view expected) {
    if (error_.empty()) {
      error_ = at < s_.size()
                   ? fmt::format("expected {} at offset {} (found '{}')", expected, at, s_[at])
                   : fmt::format("expected {} at offset {} (end of text)", expected, at);
    }
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

// LFM2's JSON tool-call mode: [{"name": "f", "arguments": {...}}, ...] (or one such object).
bool parse_json_calls(std::string_view text, std::vector<ToolCall>& out) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return false;
  if (j.is_object()) j = Json::array({j});
  if (!j.is_array() || j.empty()) return false;
  std::vector<ToolCall> calls;
  for (const Json& c : j) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) return false;
    const Json args = c.contains("arguments") ? c["arguments"] : Json::object();
    if (!args.is_object()) return false;
    calls.push_back({c["name"].get<std::string>(), dump(args)});
  }
  out = std::move(calls);
  return true;
}

}  // namespace

Expected<std::vector<ToolCall>> ToolCallParser::parse(std::string_view text) {
  std::vector<ToolCall> calls;
  PythonReader reader(text);
  if (reader.calls(calls)) return calls;
  if (parse_json_calls(text, calls)) return calls;
  return fail(ErrorCode::kInvalidArgument, "malformed tool call: " + reader.message());
}

std::string ToolCallParser::to_json(std::span<const ToolCall> calls) {
  Json out = Json::array();
  for (const ToolCall& c : calls) {
    Json args = Json::parse(c.arguments_json, nullptr, false);
    if (args.is_discarded()) args = Json::object();
    out.push_back(Json{{"name", c.name}, {"arguments", std::move(args)}});
  }
  return dump(out);
}

}  // namespace npu::genai
