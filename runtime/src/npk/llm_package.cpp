#include "npk/llm_package.hpp"

#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/checksum.hpp"
#include "npu/codec/program_codec.hpp"
#include "npu_abi/program.hpp"
#include "npu_abi/version.hpp"

namespace npu::genai::detail {
namespace {

using json = nlohmann::json;

std::unexpected<Error> bad(std::string_view what) {
  return fail(ErrorCode::kBadFormat, fmt::format("LLM metadata: {} (recompile the model with `npu compile`)", what));
}

Expected<LlmIoSlot> parse_io(const json& io, const char* name, const char* dtype, std::uint64_t io_bytes) {
  if (!io.contains(name)) return bad(fmt::format("io.{} is missing", name));
  const json& s = io.at(name);
  LlmIoSlot slot;
  slot.offset = s.at("offset").get<std::uint64_t>();
  slot.count = s.at("count").get<std::uint32_t>();
  if (s.at("dtype").get<std::string>() != dtype) {
    return bad(fmt::format("io.{} has dtype '{}', expected '{}'", name, s.at("dtype").get<std::string>(), dtype));
  }
  if (slot.count == 0 || slot.offset > io_bytes || slot.bytes() > io_bytes - slot.offset) {
    return bad(fmt::format("io.{} ({} elements at {}) lies outside the {}-byte io segment", name,
                           slot.count, slot.offset, io_bytes));
  }
  return slot;
}

Expected<std::uint64_t> check_program(const npk::NpkFile& file, const char* name,
                                      std::span<const std::byte>& out) {
  const auto* section = file.find(npk::SectionType::kProgram, name);
  if (section == nullptr) return bad(fmt::format("program section '{}' is missing", name));
  out = section->bytes;
  auto decoded = codec::decode_program(out);
  if (!decoded) return bad(fmt::format("program '{}': {}", name, decoded.error().message()));
  return decoded->header.sram_bytes;
}

template <class T>
void read_default(const json& d, const char* key, std::optional<T>& out) {
  if (d.contains(key) && d.at(key).is_number()) out = d.at(key).get<T>();
}

// The recurrent parts of the state segment, from the allocation section (see LlmPackage). A
// section that is missing or unreadable leaves them unknown: the file still runs, only context
// reuse is limited to starting over.
std::optional<std::vector<StateRange>> read_recurrent_state(const npk::NpkFile& file, std::uint64_t state_bytes) {
  const auto* section = file.find(npk::SectionType::kAllocationPlan, "allocation");
  if (section == nullptr) return std::nullopt;
  const auto* text = reinterpret_cast<const char*>(section->bytes.data());
  json plan = json::parse(text, text + section->bytes.size(), nullptr, /*allow_exceptions=*/false);
  if (!plan.is_object() || !plan.contains("entries") || !plan["entries"].is_array()) return std::nullopt;
  std::vector<StateRange> ranges;
  for (const json& e : plan["entries"]) {
    if (!e.is_object() || e.value("segment", json()) != "state") continue;
    const json name = e.value("name", json());
    const json offset = e.value("offset", json()), bytes = e.value("bytes", json());
    if (!name.is_string() || !offset.is_number_unsigned() || !bytes.is_number_unsigned()) return std::nullopt;
    if (name.get<std::string>().ends_with(".kv")) continue;
    StateRange r{offset.get<std::uint64_t>(), bytes.get<std::uint64_t>()};
    if (r.offset > state_bytes || r.bytes > state_bytes - r.offset) return std::nullopt;
    if (r.bytes > 0) ranges.push_back(r);
  }
  return ranges;
}

}  // namespace

bool is_llm_metadata(std::string_view metadata_json) {
  json meta = json::parse(metadata_json, nullptr, /*allow_exceptions=*/false);
  return meta.is_object() && meta.contains("kind") && meta["kind"] == "llm";
}

Expected<std::shared_ptr<const LlmPackage>> LlmPackage::open(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto file, npk::NpkFile::open(path));
  if (abi::abi_major(file.abi_version()) != abi::kAbiMajor) {
    return fail(ErrorCode::kVersionMismatch,
                fmt::format("{}: compiled for device ABI {}.{}, this npustack speaks {}.{}: recompile "
                            "the model with this npustack's `npu compile`", path.string(),
                            abi::abi_major(file.abi_version()), abi::abi_minor(file.abi_version()),
                            abi::kAbiMajor, abi::kAbiMinor));
  }
  std::shared_ptr<LlmPackage> pkg(new LlmPackage(std::move(file)));
  pkg->path = path;
  auto parsed = pkg->parse();
  if (!parsed) return fail(parsed.error().with_context(path.string()));
  return std::shared_ptr<const LlmPackage>(std::move(pkg));
}

Expected<void> LlmPackage::parse() {
  NPU_TRY_ASSIGN(metadata, file_.metadata());
  json meta = json::parse(metadata, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object()) return bad("not a JSON object");
  if (meta.value("kind", std::string()) != "llm") {
    return fail(ErrorCode::kInvalidArgument,
                "this .npk is not a language model (metadata kind is not \"llm\"): run it with "
                "`npu run`, or compile an LLM with `npu compile MODEL.gguf -o MODEL.npk`");
  }
  // nlohmann reports missing or mistyped fields by exception; they stop here, as kBadFormat.
  try {
    name = meta.at("name").get<std::string>();
    architecture = meta.value("architecture", std::string("lfm2"));
    synthetic = meta.value("synthetic", false);
    vocab = meta.at("config").at("vocab").get<std::uint32_t>();
    end_of_turn_ids = meta.at("config").value("end_of_turn_token_ids", std::vector<std::int32_t>{});
    context_length = meta.at("context_length").get<std::uint32_t>();
    prefill_chunk = meta.at("prefill_chunk").get<std::uint32_t>();
    const json& seg = meta.at("segments");
    auto set = [&](abi::Segment s, const char* key) {
      segment_bytes[static_cast<std::size_t>(s)] = seg.value(key, std::uint64_t{0});
    };
    set(abi::Segment::kWeights, "weights");
    set(abi::Segment::kIo, "io");
    set(abi::Segment::kScratch, "scratch");
    set(abi::Segment::kState, "state");
    const std::uint64_t io_bytes = segment(abi::Segment::kIo);
    const json& io = meta.at("io");
    NPU_TRY_ASSIGN(tokens, parse_io(io, "tokens", "i32", io_bytes));
    NPU_TRY_ASSIGN(logits, parse_io(io, "logits", "f32", io_bytes));
    NPU_TRY_ASSIGN(next_token, parse_io(io, "next_token", "i32", io_bytes));
    if (meta.contains("generation_defaults")) {
      const json& d = meta.at("generation_defaults");
      read_default(d, "temperature", defaults.temperature);
      read_default(d, "top_p", defaults.top_p);
      read_default(d, "min_p", defaults.min_p);
      read_default(d, "repetition_penalty", defaults.repetition_penalty);
      read_default(d, "top_k", defaults.top_k);
    }
  } catch (const json::exception& e) {
    return bad(e.what());
  }
  if (vocab == 0) return bad("config.vocab is 0");
  if (context_length == 0) return bad("context_length is 0");
  if (prefill_chunk == 0) return bad("prefill_chunk is 0");
  for (std::int32_t id : end_of_turn_ids) {
    if (id < 0 || static_cast<std::uint32_t>(id) >= vocab) {
      return bad(fmt::format("config.end_of_turn_token_ids holds {}, outside the vocabulary of {}", id, vocab));
    }
  }
  if (tokens.count < prefill_chunk) {
    return bad(fmt::format("io.tokens holds {} ids, fewer than the {}-row prefill chunk", tokens.count, prefill_chunk));
  }
  if (logits.count != vocab) {
    return bad(fmt::format("io.logits holds {} values but the vocabulary has {}", logits.count, vocab));
  }
  if (segment(abi::Segment::kIo) == 0) return bad("segments.io is 0");
  NPU_TRY_ASSIGN(prefill_sram, check_program(file_, "prefill", prefill_program));
  NPU_TRY_ASSIGN(tbt_sram, check_program(file_, "tbt", tbt_program));
  if (const auto* w = file_.find(npk::SectionType::kWeights)) weights = w->bytes;
  if (weights.size() > segment(abi::Segment::kWeights)) {
    return bad(fmt::format("weights section ({} bytes) is larger than the weights segment ({} bytes)",
                           weights.size(), segment(abi::Segment::kWeights)));
  }
  if (const auto* t = file_.find(npk::SectionType::kTokenizer)) tokenizer = t->bytes;
  recurrent_state = read_recurrent_state(file_, segment(abi::Segment::kState));
  return {};
}

std::uint64_t LlmPackage::fingerprint() const {
  std::call_once(fingerprint_once_, [this] {
    const std::uint32_t meta = crc32(metadata.data(), metadata.size());
    const std::uint32_t w = crc32(weights);
    fingerprint_ = (std::uint64_t{meta} << 32) | w;
  });
  return fingerprint_;
}

}  // namespace npu::genai::detail
