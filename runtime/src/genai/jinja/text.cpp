// Python's str operations the filters and methods share: strip, case mapping, replace, % format.
#include <cmath>

#include <fmt/format.h>

#include "../utf8.hpp"
#include "evaluator.hpp"

namespace npu::genai::jinja {
namespace {

// Simple one-to-one case mapping for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (the
// scripts chat templates and their roles use); other code points are left as they are.
std::uint32_t to_case(std::uint32_t c, bool upper) {
  if (upper) {
    if (c >= 'a' && c <= 'z') return c - 32;
    if ((c >= 0xe0 && c <= 0xfe && c != 0xf7)) return c - 32;
    if (c == 0xff) return 0x178;
    if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17f) {
      const bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
      if (odd_lower ? (c % 2 == 0) : (c % 2 == 1)) return c - 1;
      return c;
    }
    if (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) return c - 32;
    if (c == 0x3c2) return 0x3a3;
    if (c >= 0x430 && c <= 0x44f) return c - 32;
    if (c >= 0x450 && c <= 0x45f) return c - 80;
    return c;
  }
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xc0 && c <= 0xde && c != 0xd7)) return c + 32;
  if (c == 0x178) return 0xff;
  if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17f) {
    const bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
    if (odd_lower ? (c % 2 == 1) : (c % 2 == 0)) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) return c + 32;
  if (c >= 0x410 && c <= 0x42f) return c + 32;
  if (c >= 0x400 && c <= 0x40f) return c + 80;
  return c;
}

std::string map_case(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t pos = 0; pos < s.size();) utf8::append(out, to_case(utf8::next(s, pos), upper));
  return out;
}

}  // namespace

std::string py_upper(std::string_view s) { return map_case(s, true); }
std::string py_lower(std::string_view s) { return map_case(s, false); }

std::string py_strip(std::string_view s, bool left, bool right, const Value& chars) {
  std::vector<std::uint32_t> set;
  const bool whitespace = chars.is_undefined() || chars.is_none();
  if (!whitespace) {
    if (!chars.is_string()) raise(fmt::format("strip arg must be None or str, not {}", chars.type_name()));
    set = code_points(chars.as_string());
  }
  const auto strip_it = [&](std::uint32_t c) {
    return whitespace ? is_python_space(c) : std::find(set.begin(), set.end(), c) != set.end();
  };
  const auto cps = code_points(s);
  std::size_t begin = 0, end = cps.size();
  if (left) {
    while (begin < end && strip_it(cps[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip_it(cps[end - 1])) --end;
  }
  return from_code_points(cps, begin, end);
}

std::string py_replace(const std::string& s, const std::string& old, const std::string& with, std::int64_t count) {
  std::string out;
  if (old.empty()) {  // Python inserts `with` between every character (and at both ends)
    const auto cps = code_points(s);
    std::int64_t done = 0;
    for (std::size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += with;
        ++done;
      }
      if (i < cps.size()) out += from_code_points(cps, i, i + 1);
    }
    return out;
  }
  std::size_t pos = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    const std::size_t hit = s.find(old, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += with;
    pos = hit + old.size();
    ++done;
  }
  out.append(s, pos);
  return out;
}

std::string py_percent_format(const std::string& format, const Value& args) {
  std::vector<Value> positional;
  const Value* mapping = nullptr;
  if (args.is_list() && args.as_list().tuple) positional = args.as_list().items;
  else if (args.is_dict()) mapping = &args;
  else positional.push_back(args);
  std::size_t next_arg = 0;
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (++i >= format.size()) raise("incomplete format");
    if (format[i] == '%') {
      out += '%';
      continue;
    }
    const Value* arg = nullptr;
    if (format[i] == '(') {
      const std::size_t close = format.find(')', i);
      if (close == std::string::npos || mapping == nullptr) raise("format requires a mapping");
      arg = mapping->as_dict().find(format.substr(i + 1, close - i - 1));
      if (arg == nullptr) raise(fmt::format("format key '{}' not found", format.substr(i + 1, close - i - 1)));
      i = close + 1;
    }
    std::string spec = "{:";
    std::string flags;
    while (i < format.size() && std::string_view("-+ 0#").find(format[i]) != std::string_view::npos) flags += format[i++];
    std::string width, precision;
    while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) width += format[i++];
    if (i < format.size() && format[i] == '.') {
      ++i;
      precision = ".";
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) precision += format[i++];
    }
    if (i >= format.size()) raise("incomplete format");
    const char type = format[i];
    if (arg == nullptr) {
      if (next_arg >= positional.size()) raise("not enough arguments for format string");
      arg = &positional[next_arg++];
    }
    const bool left = flags.find('-') != std::string::npos;
    if (left) spec += '<';
    if (flags.find('+') != std::string::npos) spec += '+';
    else if (flags.find(' ') != std::string::npos) spec += ' ';
    if (flags.find('#') != std::string::npos) spec += '#';
    if (!left && flags.find('0') != std::string::npos) spec += '0';
    spec += width;
    switch (type) {
      case 's':
      case 'r': {
        std::string s = type == 's' ? to_str(*arg) : repr(*arg);
        if (precision.size() > 1) s = from_code_points(code_points(s), 0, std::stoul(precision.substr(1)));
        if (!left && !width.empty()) spec.insert(2, ">");
        out += fmt::format(fmt::runtime(spec + "}"), s);
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        if (!arg->is_number()) raise(fmt::format("%{} format: a number is required, not {}", type, arg->type_name()));
        const auto v = arg->is_float() ? static_cast<std::int64_t>(std::trunc(arg->as_double())) : arg->as_int();
        out += fmt::format(fmt::runtime(spec + (type == 'd' || type == 'i' ? std::string() : std::string(1, type)) + "}"), v);
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!arg->is_number()) raise(fmt::format("%{} format: a real number is required, not {}", type, arg->type_name()));
        out += fmt::format(fmt::runtime(spec + (precision.empty() ? std::string(".6") : precision) + type + "}"),
                           arg->as_double());
        break;
      }
      default: raise(fmt::format("unsupported format character '{}'", type));
    }
  }
  if (mapping == nullptr && next_arg < positional.size()) raise("not all arguments converted during string formatting");
  return out;
}

}  // namespace npu::genai::jinja
