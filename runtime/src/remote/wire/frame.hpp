// Frames of the npud protocol (protocol.hpp): building one, and cutting a byte stream (plus the
// descriptors that arrived with it) back into frames. The parser refuses anything malformed with
// an Error that says what was wrong; the connection is then closed by its owner.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"
#include "wire/protocol.hpp"
#include "npu/common/unique_fd.hpp"

namespace npu::npud {

struct Frame {
  FrameHeader header;
  std::string json;                 // the JSON text as received
  std::vector<std::byte> binary;
  std::vector<UniqueFd> fds;

  [[nodiscard]] MessageType type() const noexcept { return static_cast<MessageType>(header.type); }
  // The JSON payload as an object (kBadFormat when it is not one).
  [[nodiscard]] Expected<nlohmann::json> body() const;
};

// Header + JSON + binary as one byte string, ready for send_frame().
[[nodiscard]] std::vector<std::byte> encode_frame(MessageType type, std::uint32_t request_id,
                                                  std::string_view json,
                                                  std::span<const std::byte> binary = {},
                                                  std::uint16_t fd_count = 0,
                                                  std::uint16_t version = kProtocolVersion);

// Header checks shared by both ends: magic, version, sizes, descriptor count.
[[nodiscard]] Expected<void> validate_header(const FrameHeader& header);

class FrameParser {
 public:
  void feed(std::span<const std::byte> bytes);
  void feed_fd(UniqueFd fd) { fds_.push_back(std::move(fd)); }
  // The next complete frame; nullopt while one is incomplete; an error when the stream is
  // malformed (kBadFormat) or speaks another protocol version (kVersionMismatch).
  [[nodiscard]] Expected<std::optional<Frame>> next();
  // The header of the frame being parsed (valid after next() failed on it).
  [[nodiscard]] const FrameHeader& last_header() const noexcept { return header_; }

 private:
  std::vector<std::byte> buffer_;
  std::size_t consumed_ = 0;
  std::deque<UniqueFd> fds_;
  FrameHeader header_{};
};

// JSON text for the wire; invalid UTF-8 in strings is replaced rather than thrown on.
[[nodiscard]] std::string dump_json(const nlohmann::json& j);

// An error reply's JSON ({"code": n, "message": "..."}) and back.
[[nodiscard]] std::string error_json(const Error& error);
[[nodiscard]] Error error_from_json(const nlohmann::json& body);

}  // namespace npu::npud
