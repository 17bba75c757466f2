// Parses the network JSON (net_spec.hpp) with errors that name the field and what was expected.
#include "npu/compiler/net_spec.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"

namespace npu::compiler::net {
namespace {

using json = nlohmann::json;

struct Ctx {
  std::string_view origin;
  std::unexpected<Error> bad(std::string_view field, std::string_view what) const {
    return fail(ErrorCode::kInvalidArgument, fmt::format("{}: {}: {}", origin, field, what));
  }
};

std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

Expected<std::uint64_t> get_uint(const Ctx& c, const json& obj, const char* key,
                                 std::string_view field, std::uint64_t min, std::uint64_t max) {
  const json& v = obj.at(key);
  if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0)) {
    return c.bad(field, fmt::format("expected a non-negative integer, got {}", shown(v)));
  }
  std::uint64_t x = v.get<std::uint64_t>();
  if (x < min || x > max) {
    return c.bad(field, fmt::format("expected an integer in [{}, {}], got {}", min, max, x));
  }
  return x;
}

Expected<float> get_positive_float(const Ctx& c, const json& v, std::string_view field) {
  if (!v.is_number()) return c.bad(field, fmt::format("expected a number, got {}", shown(v)));
  double x = v.get<double>();
  if (!(x > 0) || !std::isfinite(x) || x > 1e30) {
    return c.bad(field, fmt::format("expected a positive finite number, got {}", shown(v)));
  }
  return static_cast<float>(x);
}

Expected<std::string> get_name(const Ctx& c, const json& obj, const char* key,
                               std::string_view field, std::string fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 63) {
    return c.bad(field, fmt::format("expected a name of 1..63 characters, got {}", shown(v)));
  }
  return v.get<std::string>();
}

// Flattens a number array (rows == 0) or an array of `rows` arrays into floats, checking counts.
Expected<std::vector<float>> get_floats(const Ctx& c, const json& v, std::string_view field,
                                        std::size_t rows, std::size_t cols) {
  std::vector<float> out;
  auto push = [&](const json& x, std::string_view where) -> Expected<void> {
    if (!x.is_number() || !std::isfinite(x.get<double>())) {
      return c.bad(where, fmt::format("expected a finite number, got {}", shown(x)));
    }
    out.push_back(static_cast<float>(x.get<double>()));
    return {};
  };
  if (!v.is_array()) return c.bad(field, fmt::format("expected an array, got {}", shown(v)));
  if (rows == 0) {
    if (v.size() != cols) return c.bad(field, fmt::format("expected {} numbers, got {}", cols, v.size()));
    for (std::size_t i = 0; i < cols; ++i) NPU_TRY(push(v[i], fmt::format("{}[{}]", field, i)));
    return out;
  }
  if (v.size() != rows) {
    return c.bad(field, fmt::format("expected {} rows (one per unit), got {}", rows, v.size()));
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const json& row = v[r];
    std::string where = fmt::format("{}[{}]", field, r);
    if (!row.is_array() || row.size() != cols) {
      return c.bad(where, fmt::format("expected an array of {} numbers (one per input feature)", cols));
    }
    for (std::size_t i = 0; i < cols; ++i) NPU_TRY(push(row[i], fmt::format("{}[{}]", where, i)));
  }
  return out;
}

Expected<void> parse_input(const Ctx& c, const json& in, NetSpec& spec) {
  if (!in.is_object()) return c.bad("input", "expected an object with \"shape\"");
  NPU_TRY_ASSIGN(spec.input_name, get_name(c, in, "name", "input.name", "input"));
  if (!in.contains("shape")) return c.bad("input.shape", "missing; expected [batch, features] or [features]");
  const json& shape = in.at("shape");
  if (!shape.is_array() || shape.empty() || shape.size() > 2) {
    return c.bad("input.shape", fmt::format("expected [batch, features] or [features], got {}", shown(shape)));
  }
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (!shape[i].is_number_unsigned() || shape[i].get<std::uint64_t>() == 0 ||
        shape[i].get<std::uint64_t>() > 65536) {
      return c.bad(fmt::format("input.shape[{}]", i),
                   fmt::format("expected an integer in [1, 65536], got {}", shown(shape[i])));
    }
  }
  spec.batch = shape.size() == 2 ? shape[0].get<std::uint32_t>() : 1;
  spec.input_features = shape.back().get<std::uint32_t>();
  if (spec.batch > 4096) return c.bad("input.shape[0]", "batch must be at most 4096");
  if (in.contains("scale")) {
    NPU_TRY_ASSIGN(spec.input_scale, get_positive_float(c, in.at("scale"), "input.scale"));
  }
  return {};
}

Expected<DenseLayerSpec> parse_layer(const Ctx& c, const json& l, std::size_t i, std::uint32_t in) {
  std::string f = fmt::format("layers[{}]", i);
  if (!l.is_object()) return c.bad(f, "expected an object");
  if (!l.contains("type")) return c.bad(f + ".type", "missing; expected \"dense\"");
  if (l.at("type") != "dense") {
    return c.bad(f + ".type", fmt::format("expected \"dense\" (the only layer type), got {}", shown(l.at("type"))));
  }
  DenseLayerSpec d;
  NPU_TRY_ASSIGN(d.name, get_name(c, l, "name", f + ".name", fmt::format("dense{}", i)));
  if (!l.contains("units")) return c.bad(f + ".units", "missing; expected the number of output features");
  NPU_TRY_ASSIGN(auto units, get_uint(c, l, "units", f + ".units", 1, 65536));
  d.units = static_cast<std::uint32_t>(units);
  if (l.contains("activation")) {
    const json& a = l.at("activation");
    if (a == "relu") d.activation = Activation::kRelu;
    else if (a == "none" || a == "linear") d.activation = Activation::kNone;
    else return c.bad(f + ".activation", fmt::format("expected \"relu\" or \"none\", got {}", shown(a)));
  }
  if (l.contains("weights")) {
    NPU_TRY_ASSIGN(d.weights, get_floats(c, l.at("weights"), f + ".weights", d.units, in));
  }
  if (l.contains("bias")) {
    NPU_TRY_ASSIGN(d.bias, get_floats(c, l.at("bias"), f + ".bias", 0, d.units));
  }
  if (l.contains("output_scale")) {
    NPU_TRY_ASSIGN(d.output_scale, get_positive_float(c, l.at("output_scale"), f + ".output_scale"));
  }
  for (const auto& [key, value] : l.items()) {
    if (key != "type" && key != "name" && key != "units" && key != "activation" && key != "weights" &&
        key != "bias" && key != "output_scale") {
      return c.bad(f + "." + key, "unknown field (expected type, name, units, activation, weights, bias, output_scale)");
    }
  }
  return d;
}

}  // namespace

std::string_view to_string(Activation a) noexcept { return a == Activation::kRelu ? "relu" : "none"; }

Expected<NetSpec> parse_net_spec(std::string_view json_text, std::string_view origin) {
  Ctx c{origin};
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return c.bad("(document)", "not valid JSON");
  if (!root.is_object()) return c.bad("(document)", "expected a JSON object with \"input\" and \"layers\"");
  NetSpec spec;
  NPU_TRY_ASSIGN(spec.name, get_name(c, root, "name", "name", "net"));
  if (root.contains("seed")) {
    NPU_TRY_ASSIGN(spec.seed, get_uint(c, root, "seed", "seed", 0, UINT64_MAX));
  }
  if (root.contains("calibration_samples")) {
    NPU_TRY_ASSIGN(auto n, get_uint(c, root, "calibration_samples", "calibration_samples", 1, 100000));
    spec.calibration_samples = static_cast<std::uint32_t>(n);
  }
  if (!root.contains("input")) return c.bad("input", "missing; expected {\"shape\": [batch, features]}");
  NPU_TRY(parse_input(c, root.at("input"), spec));
  if (root.contains("output")) {
    if (!root.at("output").is_object()) return c.bad("output", "expected an object like {\"name\": \"output\"}");
    NPU_TRY_ASSIGN(spec.output_name, get_name(c, root.at("output"), "name", "output.name", "output"));
  }
  if (spec.output_name == spec.input_name) return c.bad("output.name", "must differ from input.name");
  if (!root.contains("layers") || !root.at("layers").is_array() || root.at("layers").empty()) {
    return c.bad("layers", "expected a non-empty array of {\"type\": \"dense\", \"units\": N}");
  }
  if (root.at("layers").size() > 256) return c.bad("layers", "at most 256 layers");
  std::uint32_t in = spec.input_features;
  for (std::size_t i = 0; i < root.at("layers").size(); ++i) {
    NPU_TRY_ASSIGN(auto layer, parse_layer(c, root.at("layers")[i], i, in));
    in = layer.units;
    spec.layers.push_back(std::move(layer));
  }
  return spec;
}

Expected<NetSpec> load_net_spec(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto text, read_text_file(path));
  return parse_net_spec(text, path.filename().string());
}

}  // namespace npu::compiler::net
