#include "python_json.hpp"

#include <fmt/format.h>

namespace npu::genai {
namespace {

void dump_string(const std::string& s, std::string& out) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void dump(const nlohmann::ordered_json& v, std::string& out) {
  switch (v.type()) {
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.items()) {
        if (!first) out += ", ";
        first = false;
        dump_string(key, out);
        out += ": ";
        dump(value, out);
      }
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ", ";
        dump(v[i], out);
      }
      out += ']';
      return;
    }
    case nlohmann::json::value_t::string:
      dump_string(v.get_ref<const std::string&>(), out);
      return;
    case nlohmann::json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      out += "null";
      return;
    default:
      out += python_number(v);
      return;
  }
}

}  // namespace

std::string python_json_dumps(const nlohmann::ordered_json& value) {
  std::string out;
  dump(value, out);
  return out;
}

std::string python_number(const nlohmann::ordered_json& number) {
  if (number.is_number_float()) {
    const double d = number.get<double>();
    // Python prints integral floats with ".0" and uses shortest round-trip digits otherwise;
    // nlohmann's dump() does both.
    std::string s = nlohmann::ordered_json(d).dump();
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }
  return number.dump();
}

}  // namespace npu::genai
