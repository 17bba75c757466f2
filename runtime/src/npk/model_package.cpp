// Reads the metadata the net compiler writes (compiler/src/net/net_emit.cpp) and checks that
// everything the device will be told fits together, so a bad file fails here with a clear
// message instead of on the device.
#include "npk/model_package.hpp"

#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/codec/program_codec.hpp"
#include "npu_abi/program.hpp"
#include "npu_abi/version.hpp"

namespace npu::detail {
namespace {

using json = nlohmann::json;

std::unexpected<Error> bad(std::string_view what) {
  return fail(ErrorCode::kBadFormat, fmt::format("metadata: {} (recompile the model)", what));
}

Expected<StreamInfo> parse_stream(const json& s, std::uint64_t io_bytes) {
  StreamInfo info;
  info.name = s.at("name").get<std::string>();
  info.shape = s.at("shape").get<std::vector<std::uint32_t>>();
  info.dtype = s.at("dtype").get<std::string>();
  info.scale = s.at("scale").get<float>();
  info.zero_point = s.at("zero_point").get<std::int32_t>();
  info.io_offset = s.at("offset").get<std::uint64_t>();
  info.size = s.at("size").get<std::uint64_t>();
  if (info.dtype != "int8") return bad(fmt::format("stream '{}' has dtype '{}'; this runtime runs int8 streams", info.name, info.dtype));
  std::uint64_t elements = 1;
  for (auto d : info.shape) elements *= d;
  if (info.shape.empty() || elements != info.size) {
    return bad(fmt::format("stream '{}' size {} does not match its shape", info.name, info.size));
  }
  if (info.io_offset > io_bytes || info.size > io_bytes - info.io_offset) {
    return bad(fmt::format("stream '{}' ({} bytes at {}) lies outside the {}-byte io segment",
                           info.name, info.size, info.io_offset, io_bytes));
  }
  return info;
}

}  // namespace

Expected<std::shared_ptr<const ModelPackage>> ModelPackage::open(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto file, npk::NpkFile::open(path));
  if (abi::abi_major(file.abi_version()) != abi::kAbiMajor) {
    return fail(ErrorCode::kVersionMismatch,
                fmt::format("{}: compiled for device ABI {}.{}, this npustack speaks {}.{}: "
                            "recompile the model with this npustack's `npu compile`",
                            path.string(), abi::abi_major(file.abi_version()),
                            abi::abi_minor(file.abi_version()), abi::kAbiMajor, abi::kAbiMinor));
  }
  std::shared_ptr<ModelPackage> pkg(new ModelPackage(std::move(file)));
  auto parsed = pkg->parse();
  if (!parsed) return fail(parsed.error().with_context(path.string()));
  return std::shared_ptr<const ModelPackage>(std::move(pkg));
}

Expected<void> ModelPackage::parse() {
  NPU_TRY_ASSIGN(metadata, file_.metadata());
  json meta = json::parse(metadata, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object()) return bad("not a JSON object");
  // nlohmann reports missing/mistyped fields by exception; they stop here, as kBadFormat.
  try {
    if (meta.value("schema", 0) != 1) return bad("unknown metadata schema (expected 1)");
    name = meta.at("name").get<std::string>();
    batch_size = meta.at("batch_size").get<std::uint32_t>();
    const json& seg = meta.at("segments");
    segment_bytes[static_cast<std::size_t>(abi::Segment::kWeights)] = seg.at("weights").get<std::uint64_t>();
    segment_bytes[static_cast<std::size_t>(abi::Segment::kIo)] = seg.at("io").get<std::uint64_t>();
    segment_bytes[static_cast<std::size_t>(abi::Segment::kScratch)] = seg.at("scratch").get<std::uint64_t>();
    segment_bytes[static_cast<std::size_t>(abi::Segment::kState)] = seg.value("state", std::uint64_t{0});
    const std::uint64_t io = segment_bytes[static_cast<std::size_t>(abi::Segment::kIo)];
    for (const json& s : meta.at("inputs")) {
      NPU_TRY_ASSIGN(auto info, parse_stream(s, io));
      inputs.push_back(std::move(info));
    }
    for (const json& s : meta.at("outputs")) {
      NPU_TRY_ASSIGN(auto info, parse_stream(s, io));
      outputs.push_back(std::move(info));
    }
    const json& subnets = meta.at("subnets");
    if (!subnets.is_array() || subnets.empty()) return bad("no subnets");
    subnet = subnets[0].at("program").get<std::string>();
  } catch (const json::exception& e) {
    return bad(e.what());
  }
  if (inputs.empty() || outputs.empty()) return bad("a model needs at least one input and one output");
  const auto* prog = file_.find(npk::SectionType::kProgram, subnet);
  if (prog == nullptr) return bad(fmt::format("program section '{}' is missing", subnet));
  program = prog->bytes;
  if (auto decoded = codec::decode_program(program); !decoded) {
    return bad(fmt::format("program '{}': {}", subnet, decoded.error().message()));
  }
  const auto* w = file_.find(npk::SectionType::kWeights);
  if (w != nullptr) weights = w->bytes;
  if (weights.size() > segment_bytes[static_cast<std::size_t>(abi::Segment::kWeights)]) {
    return bad(fmt::format("weights section ({} bytes) is larger than the weights segment ({} bytes)",
                           weights.size(), segment_bytes[static_cast<std::size_t>(abi::Segment::kWeights)]));
  }
  return {};
}

}  // namespace npu::detail
