#include "wire/frame.hpp"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace npu::npud {

std::string_view to_string(MessageType type) noexcept {
  switch (type) {
    case MessageType::kHello: return "hello";
    case MessageType::kError: return "error";
    case MessageType::kReply: return "reply";
    case MessageType::kStatus: return "status";
    case MessageType::kDeviceStats: return "device_stats";
    case MessageType::kSchedulerStats: return "scheduler_stats";
    case MessageType::kConfigure: return "configure";
    case MessageType::kRun: return "run";
    case MessageType::kSetScheduler: return "set_scheduler";
    case MessageType::kReleaseModel: return "release_model";
    case MessageType::kLlmCreate: return "llm_create";
    case MessageType::kLlmCreateSession: return "llm_create_session";
    case MessageType::kLlmRelease: return "llm_release";
    case MessageType::kLlmGenerate: return "llm_generate";
    case MessageType::kLlmEvent: return "llm_event";
    case MessageType::kLlmAbort: return "llm_abort";
    case MessageType::kLlmPrefill: return "llm_prefill";
    case MessageType::kLlmClear: return "llm_clear";
    case MessageType::kLlmSaveContext: return "llm_save_context";
    case MessageType::kLlmLoadContext: return "llm_load_context";
    case MessageType::kLlmSetPriority: return "llm_set_priority";
  }
  return "unknown";
}

std::string default_socket_path() {
  const char* env = std::getenv("NPU_NPUD_SOCKET");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("/run/npustack/npud.sock");
}

std::string not_running_message(std::string_view path) {
  return fmt::format("npud at {} is not running: start it with `npud` or `systemctl start npud` "
                     "(or point NPU_NPUD_SOCKET at its socket)", path);
}

Expected<nlohmann::json> Frame::body() const {
  if (json.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("{} message: the payload is not a JSON object", to_string(type())));
  }
  return j;
}

std::vector<std::byte> encode_frame(MessageType type, std::uint32_t request_id, std::string_view json,
                                    std::span<const std::byte> binary, std::uint16_t fd_count,
                                    std::uint16_t version) {
  FrameHeader h;
  h.version = version;
  h.type = static_cast<std::uint16_t>(type);
  h.request_id = request_id;
  h.json_bytes = static_cast<std::uint32_t>(json.size());
  h.binary_bytes = static_cast<std::uint32_t>(binary.size());
  h.fd_count = fd_count;
  std::vector<std::byte> out(sizeof(h) + json.size() + binary.size());
  std::memcpy(out.data(), &h, sizeof(h));
  if (!json.empty()) std::memcpy(out.data() + sizeof(h), json.data(), json.size());
  if (!binary.empty()) std::memcpy(out.data() + sizeof(h) + json.size(), binary.data(), binary.size());
  return out;
}

Expected<void> validate_header(const FrameHeader& h) {
  if (h.magic != kFrameMagic) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("not an npud frame (magic {:#010x}, expected {:#010x})", h.magic, kFrameMagic));
  }
  if (h.version != kProtocolVersion) {
    return fail(ErrorCode::kVersionMismatch,
                fmt::format("npud protocol version {} is not supported (this side speaks version {}): "
                            "use an npud and a runtime from the same npustack release",
                            h.version, kProtocolVersion));
  }
  if (h.json_bytes > kMaxJsonBytes || h.binary_bytes > kMaxBinaryBytes) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("frame too large ({} JSON + {} binary bytes; limits {} and {})", h.json_bytes,
                            h.binary_bytes, kMaxJsonBytes, kMaxBinaryBytes));
  }
  if (h.fd_count > kMaxFds || h.reserved != 0) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("bad frame header (fd_count {}, reserved {})", h.fd_count, h.reserved));
  }
  return {};
}

void FrameParser::feed(std::span<const std::byte> bytes) {
  if (consumed_ > 0 && consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

Expected<std::optional<Frame>> FrameParser::next() {
  const std::size_t avail = buffer_.size() - consumed_;
  if (avail < sizeof(FrameHeader)) return std::optional<Frame>{};
  std::memcpy(&header_, buffer_.data() + consumed_, sizeof(header_));
  NPU_TRY(validate_header(header_));
  const std::size_t total = sizeof(FrameHeader) + header_.json_bytes + header_.binary_bytes;
  if (avail < total) return std::optional<Frame>{};
  if (fds_.size() < header_.fd_count) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("{} frame announces {} file descriptors but {} arrived",
                            to_string(static_cast<MessageType>(header_.type)), header_.fd_count, fds_.size()));
  }
  Frame f;
  f.header = header_;
  const auto* p = reinterpret_cast<const char*>(buffer_.data() + consumed_ + sizeof(FrameHeader));
  f.json.assign(p, header_.json_bytes);
  const auto* b = buffer_.data() + consumed_ + sizeof(FrameHeader) + header_.json_bytes;
  f.binary.assign(b, b + header_.binary_bytes);
  for (std::uint16_t i = 0; i < header_.fd_count; ++i) {
    f.fds.push_back(std::move(fds_.front()));
    fds_.pop_front();
  }
  consumed_ += total;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  return std::optional<Frame>(std::move(f));
}

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_json(const Error& error) {
  return dump_json(nlohmann::json{{"code", static_cast<std::uint32_t>(error.code())}, {"message", error.message()}});
}

Error error_from_json(const nlohmann::json& body) {
  auto code = body.contains("code") && body["code"].is_number_unsigned() ? body["code"].get<std::uint32_t>() : 0u;
  if (code == 0 || code > static_cast<std::uint32_t>(ErrorCode::kInternal)) code = static_cast<std::uint32_t>(ErrorCode::kInternal);
  std::string message = body.contains("message") && body["message"].is_string()
                            ? body["message"].get<std::string>()
                            : std::string("npud sent an error without a message");
  return Error(static_cast<ErrorCode>(code), std::move(message));
}

}  // namespace npu::npud
