// The methods of str, dict and list a chat template may call ("a,b".split(","), m.get("x"), ...),
// with Python's semantics. Methods that would modify a list or dict are refused, as in Hugging
// Face's immutable sandbox.
#include <algorithm>

#include <fmt/format.h>

#include "evaluator.hpp"

namespace npu::genai::jinja {
namespace {

using Method = std::function<Value(const CallArgs&)>;

Value bound(const Value& obj, std::string_view name, Method m) {
  return Value::function(fmt::format("{}.{}", obj.type_name(), name),
                         [m = std::move(m)](const CallArgs& a, Evaluator&) { return m(a); });
}

std::string str_arg(const CallArgs& a, std::size_t i, std::string_view name, std::string_view method) {
  const Value* v = a.get(i, name);
  if (v == nullptr || !v->is_string()) raise(fmt::format("{}() needs a string argument '{}'", method, name));
  return v->as_string();
}

std::int64_t int_arg(const CallArgs& a, std::size_t i, std::string_view name, std::int64_t dflt) {
  const Value* v = a.get(i, name);
  if (v == nullptr || v->is_none()) return dflt;
  if (!v->is_int() && !v->is_bool()) raise(fmt::format("'{}' must be an integer", name));
  return v->as_int();
}

// str.split / str.rsplit, Python's rules: no separator splits on whitespace runs and drops
// empty pieces; a separator keeps them.
std::vector<Value> split(const std::string& s, const Value& sep, std::int64_t maxsplit, bool from_right) {
  std::vector<std::string> parts;
  if (sep.is_undefined() || sep.is_none()) {
    const auto cps = code_points(s);
    std::vector<std::pair<std::size_t, std::size_t>> words;
    for (std::size_t i = 0; i < cps.size();) {
      while (i < cps.size() && is_python_space(cps[i])) ++i;
      if (i >= cps.size()) break;
      std::size_t j = i;
      while (j < cps.size() && !is_python_space(cps[j])) ++j;
      words.emplace_back(i, j);
      i = j;
    }
    if (maxsplit < 0 || static_cast<std::size_t>(maxsplit) + 1 >= words.size()) {
      for (auto [b, e] : words) parts.push_back(from_code_points(cps, b, e));
    } else if (!from_right) {
      const auto keep = static_cast<std::size_t>(maxsplit);
      for (std::size_t w = 0; w < keep; ++w) parts.push_back(from_code_points(cps, words[w].first, words[w].second));
      std::size_t end = cps.size();
      while (end > words[keep].first && is_python_space(cps[end - 1])) --end;
      parts.push_back(from_code_points(cps, words[keep].first, end));
    } else {
      const std::size_t first_kept = words.size() - static_cast<std::size_t>(maxsplit);
      std::size_t begin = 0;
      while (begin < words[first_kept - 1].second && is_python_space(cps[begin])) ++begin;
      parts.push_back(from_code_points(cps, begin, words[first_kept - 1].second));
      for (std::size_t w = first_kept; w < words.size(); ++w) parts.push_back(from_code_points(cps, words[w].first, words[w].second));
    }
  } else {
    if (!sep.is_string()) raise(fmt::format("must be str or None, not {}", sep.type_name()));
    const std::string& d = sep.as_string();
    if (d.empty()) raise("empty separator");
    std::vector<std::size_t> hits;
    for (std::size_t p = s.find(d); p != std::string::npos; p = s.find(d, p + d.size())) hits.push_back(p);
    if (maxsplit >= 0 && hits.size() > static_cast<std::size_t>(maxsplit)) {
      if (from_right) {
        // rsplit finds separators from the right; with non-overlapping separators the last
        // `maxsplit` hits of a left-to-right scan are the same ones unless they overlap.
        std::vector<std::size_t> right;
        std::size_t end = s.size();
        while (right.size() < static_cast<std::size_t>(maxsplit) && end >= d.size()) {
          const std::size_t p = s.rfind(d, end - d.size());
          if (p == std::string::npos) break;
          right.insert(right.begin(), p);
          end = p;
        }
        hits = std::move(right);
      } else {
        hits.resize(static_cast<std::size_t>(maxsplit));
      }
    }
    std::size_t start = 0;
    for (std::size_t p : hits) {
      parts.push_back(s.substr(start, p - start));
      start = p + d.size();
    }
    parts.push_back(s.substr(start));
  }
  std::vector<Value> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.emplace_back(std::move(p));
  return out;
}

bool affix(const std::string& s, const Value& what, bool prefix, std::string_view method) {
  const auto one = [&](const Value& v) {
    if (!v.is_string()) raise(fmt::format("{}() takes a string or a tuple of strings", method));
    const std::string& x = v.as_string();
    return x.size() <= s.size() && (prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0);
  };
  if (what.is_list()) return std::any_of(what.as_list().items.begin(), what.as_list().items.end(), one);
  return one(what);
}

Value string_method(const Value& obj, std::string_view name) {
  const std::string s = obj.as_string();
  if (name == "startswith" || name == "endswith") {
    const bool prefix = name == "startswith";
    return bound(obj, name, [s, prefix](const CallArgs& a) {
      if (a.positional.empty()) raise("startswith()/endswith() need an argument");
      std::string sub = s;
      if (a.positional.size() > 1) {  // (prefix, start[, end]) in code points
        const auto cps = code_points(s);
        const auto n = static_cast<std::int64_t>(cps.size());
        auto norm = [&](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + n : i, 0, n); };
        const std::int64_t b = norm(int_arg(a, 1, "start", 0));
        const std::int64_t e = norm(int_arg(a, 2, "end", n));
        sub = b < e ? from_code_points(cps, static_cast<std::size_t>(b), static_cast<std::size_t>(e)) : std::string();
      }
      return Value(affix(sub, a.positional[0], prefix, prefix ? "startswith" : "endswith"));
    });
  }
  if (name == "split" || name == "rsplit") {
    const bool right = name == "rsplit";
    return bound(obj, name, [s, right](const CallArgs& a) {
      a.check(right ? "rsplit" : "split", 2, {"sep", "maxsplit"});
      const Value* sep = a.get(0, "sep");
      return Value::list(split(s, sep != nullptr ? *sep : Value(), int_arg(a, 1, "maxsplit", -1), right));
    });
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const bool left = name != "rstrip", right = name != "lstrip";
    return bound(obj, name, [s, left, right](const CallArgs& a) {
      const Value* chars = a.get(0, "chars");
      return Value(py_strip(s, left, right, chars != nullptr ? *chars : Value()));
    });
  }
  if (name == "replace") {
    return bound(obj, name, [s](const CallArgs& a) {
      return Value(py_replace(s, str_arg(a, 0, "old", "replace"), str_arg(a, 1, "new", "replace"), int_arg(a, 2, "count", -1)));
    });
  }
  if (name == "upper") return bound(obj, name, [s](const CallArgs&) { return Value(py_upper(s)); });
  if (name == "lower") return bound(obj, name, [s](const CallArgs&) { return Value(py_lower(s)); });
  if (name == "title" || name == "capitalize") {
    const bool title = name == "title";
    return bound(obj, name, [s, title](const CallArgs&) {
      // Python: a letter after a letter is lower-cased, any other letter upper-cased (title), or
      // only the first character upper-cased (capitalize).
      const auto cps = code_points(s);
      std::string out;
      bool after_letter = false;
      for (std::size_t i = 0; i < cps.size(); ++i) {
        const std::string ch = from_code_points(cps, i, i + 1);
        const bool letter = py_upper(ch) != py_lower(ch);
        out += (title ? !after_letter : i == 0) ? py_upper(ch) : py_lower(ch);
        after_letter = letter;
      }
      return Value(std::move(out));
    });
  }
  if (name == "find" || name == "rfind" || name == "count" || name == "index" || name == "rindex") {
    const std::string n(name);
    return bound(obj, name, [s, n](const CallArgs& a) {
      const std::string sub = str_arg(a, 0, "sub", n);
      if (n == "count") {
        if (sub.empty()) return Value(static_cast<std::int64_t>(code_points(s).size() + 1));
        std::int64_t c = 0;
        for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++c;
        return Value(c);
      }
      const std::size_t p = n[0] == 'r' ? s.rfind(sub) : s.find(sub);
      if (p == std::string::npos) {
        if (n.ends_with("index")) raise("substring not found");
        return Value(-1);
      }
      return Value(static_cast<std::int64_t>(code_points(std::string_view(s).substr(0, p)).size()));
    });
  }
  if (name == "join") {
    return bound(obj, name, [s](const CallArgs& a) {
      if (a.positional.size() != 1) raise("join() takes one iterable");
      std::string out;
      bool first = true;
      for (const Value& v : a.positional[0].iterate()) {
        if (!v.is_string()) raise(fmt::format("join(): expected str instance, {} found", v.type_name()));
        if (!first) out += s;
        first = false;
        out += v.as_string();
      }
      return Value(std::move(out));
    });
  }
  if (name == "splitlines") {
    return bound(obj, name, [s](const CallArgs&) {
      std::vector<Value> lines;
      std::size_t start = 0;
      while (start < s.size()) {
        std::size_t nl = s.find_first_of("\r\n", start);
        if (nl == std::string::npos) nl = s.size();
        lines.emplace_back(s.substr(start, nl - start));
        if (nl < s.size() && s[nl] == '\r' && nl + 1 < s.size() && s[nl + 1] == '\n') ++nl;
        start = nl + 1;
      }
      return Value::list(std::move(lines));
    });
  }
  if (name == "removeprefix" || name == "removesuffix") {
    const bool prefix = name == "removeprefix";
    return bound(obj, name, [s, prefix](const CallArgs& a) {
      const std::string x = str_arg(a, 0, "affix", prefix ? "removeprefix" : "removesuffix");
      if (prefix && s.starts_with(x)) return Value(s.substr(x.size()));
      if (!prefix && s.ends_with(x)) return Value(s.substr(0, s.size() - x.size()));
      return Value(s);
    });
  }
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" ||
      name == "islower" || name == "isupper") {
    const std::string n(name);
    return bound(obj, name, [s, n](const CallArgs&) {
      const auto cps = code_points(s);
      if (cps.empty()) return Value(false);
      if (n == "islower") return Value(py_lower(s) == s && py_upper(s) != s);
      if (n == "isupper") return Value(py_upper(s) == s && py_lower(s) != s);
      return Value(std::all_of(cps.begin(), cps.end(), [&](std::uint32_t c) {
        const bool digit = c >= '0' && c <= '9';
        const std::string ch = from_code_points({c}, 0, 1);
        const bool alpha = (c < 0x80 && std::isalpha(static_cast<int>(c))) || (c >= 0x80 && py_upper(ch) != py_lower(ch));
        if (n == "isdigit") return digit;
        if (n == "isalpha") return alpha;
        if (n == "isalnum") return alpha || digit;
        return is_python_space(c);
      }));
    });
  }
  if (name == "format") {
    return bound(obj, name, [s](const CallArgs& a) {
      // str.format with "{}", "{0}" and "{name}" fields (no format specs).
      std::string out;
      std::size_t auto_index = 0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') { out += '{'; ++i; continue; }
        if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') { out += '}'; ++i; continue; }
        if (s[i] != '{') { out += s[i]; continue; }
        const std::size_t close = s.find('}', i);
        if (close == std::string::npos) raise("Single '{' encountered in format string");
        const std::string field = s.substr(i + 1, close - i - 1);
        const Value* v = nullptr;
        if (field.empty()) v = a.get(auto_index++, "");
        else if (std::all_of(field.begin(), field.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) v = a.get(std::stoul(field), "");
        else v = a.get(SIZE_MAX, field);
        if (v == nullptr) raise(fmt::format("format(): no argument for '{{{}}}'", field));
        out += to_str(*v);
        i = close;
      }
      return Value(std::move(out));
    });
  }
  return Value(Undefined{});
}

Value dict_method(const Value& obj, std::string_view name) {
  if (name == "get") {
    return bound(obj, name, [obj](const CallArgs& a) {
      if (a.positional.empty() || a.positional.size() > 2) raise("get() takes a key and an optional default");
      const Value& key = a.positional[0];
      if (key.is_string()) {
        if (const Value* v = obj.as_dict().find(key.as_string())) return *v;
      }
      return a.positional.size() == 2 ? a.positional[1] : Value(None{});
    });
  }
  if (name == "items" || name == "keys" || name == "values") {
    const std::string n(name);
    return bound(obj, name, [obj, n](const CallArgs&) {
      std::vector<Value> out;
      for (const auto& [k, v] : obj.as_dict().items) {
        if (n == "items") out.push_back(Value::list({Value(k), v}, true));
        else out.push_back(n == "keys" ? Value(k) : v);
      }
      return Value::list(std::move(out));
    });
  }
  if (name == "copy") return bound(obj, name, [obj](const CallArgs&) { return Value::dict(obj.as_dict().items); });
  if (name == "update" || name == "pop" || name == "popitem" || name == "setdefault" || name == "clear") {
    return bound(obj, name, [n = std::string(name)](const CallArgs&) -> Value {
      raise(fmt::format("dict.{}() would modify a dict, which chat templates cannot (Hugging Face renders "
                        "them in an immutable sandbox): build a new dict or use namespace()", n));
    });
  }
  return Value(Undefined{});
}

Value list_method(const Value& obj, std::string_view name) {
  if (name == "index" || name == "count") {
    const bool index = name == "index";
    return bound(obj, name, [obj, index](const CallArgs& a) {
      if (a.positional.size() != 1) raise("index()/count() take one value");
      std::int64_t count = 0;
      const auto& items = obj.as_list().items;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!(items[i] == a.positional[0])) continue;
        if (index) return Value(static_cast<std::int64_t>(i));
        ++count;
      }
      if (index) raise(fmt::format("{} is not in list", repr(a.positional[0])));
      return Value(count);
    });
  }
  if (name == "append" || name == "extend" || name == "insert" || name == "pop" || name == "remove" ||
      name == "clear" || name == "sort" || name == "reverse") {
    return bound(obj, name, [n = std::string(name)](const CallArgs&) -> Value {
      raise(fmt::format("list.{}() would modify a list, which chat templates cannot (Hugging Face renders "
                        "them in an immutable sandbox): build a new list with + instead", n));
    });
  }
  return Value(Undefined{});
}

}  // namespace

Value method(const Value& obj, std::string_view name) {
  if (obj.is_string()) return string_method(obj, name);
  if (obj.is_dict()) return dict_method(obj, name);
  if (obj.is_list()) return list_method(obj, name);
  return Value(Undefined{});
}

}  // namespace npu::genai::jinja
