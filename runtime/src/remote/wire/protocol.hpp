// The npud wire protocol, version 1: what a client (the runtime with multi_process = true) and the
// npud daemon exchange over a Unix stream socket.
//
// Every message is one frame: a 24-byte FrameHeader, `json_bytes` of UTF-8 JSON (an object), then
// `binary_bytes` of raw payload (logits, context files). File descriptors (the .npk file, the
// shared-memory region of a model's tensors) ride along as SCM_RIGHTS on the frame's first byte;
// `fd_count` says how many the frame carries. Integers are in host byte order: both ends are on
// one machine. Tensors never travel in frames: they sit in shared memory (memfd) mapped by both.
//
// The first frame of a connection is kHello. A peer that sees another `version` answers with a
// kError frame of its own version naming both and closes the connection. Replies carry the
// request's `request_id`; kLlmEvent frames carry the generation's stream id in their JSON instead
// (request_id 0). A connection may have any number of requests and streams in flight: replies
// come back in the order they finish, not the order they were sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace npu::npud {

inline constexpr std::uint32_t kFrameMagic = 0x4455504eu;  // "NPUD" in memory order
inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::uint32_t kMaxJsonBytes = 4u << 20;     // control messages are small
inline constexpr std::uint32_t kMaxBinaryBytes = 256u << 20;  // a saved LLM context
inline constexpr std::uint16_t kMaxFds = 4;

enum class MessageType : std::uint16_t {
  kHello = 1,            // {client, pid, device_ids, scheduling, group_id | monitor} -> {devices, client, group}
  kError = 2,            // reply: {code, message} (any request can get it)
  kReply = 3,            // reply: the request's result (JSON object)
  kStatus = 4,           // {} -> clients, models, sessions, shared memory, scheduler
  kDeviceStats = 5,      // {device} -> driver::DeviceStats fields
  kSchedulerStats = 6,   // {} -> runs, model_switches, aborted
  kConfigure = 10,       // fds [npk, shm] {path, slots, slot_bytes, inputs[], outputs[]} -> {model}
  kRun = 11,             // {model, slot, timeout_ms?} -> RunInfo (absent timeout: asynchronous)
  kSetScheduler = 12,    // {model, priority?, threshold?, timeout_ms?} -> {}
  kReleaseModel = 13,    // {model} -> {}
  kLlmCreate = 20,       // fd [npk] {path, priority} -> {session, info, used, pending}
  kLlmCreateSession = 21,// {from} -> same as kLlmCreate
  kLlmRelease = 22,      // {session} -> {}
  kLlmGenerate = 23,     // {session, tokens[], params{}, whole_prompt?} -> {generation}; then kLlmEvent frames
  kLlmEvent = 24,        // daemon -> client: {generation, kind, text, token, index, status, ...}
  kLlmAbort = 25,        // {generation} -> {}
  kLlmPrefill = 26,      // {session, tokens[], mode} -> {stats, used}; binary: float logits
  kLlmClear = 27,        // {session} -> {used}
  kLlmSaveContext = 28,  // {session} -> binary: the context file's bytes
  kLlmLoadContext = 29,  // {session, path}; binary: the context file's bytes -> {used, pending}
  kLlmSetPriority = 30,  // {session, priority} -> {}
};

[[nodiscard]] std::string_view to_string(MessageType type) noexcept;

struct FrameHeader {
  std::uint32_t magic = kFrameMagic;
  std::uint16_t version = kProtocolVersion;
  std::uint16_t type = 0;           // MessageType
  std::uint32_t request_id = 0;     // chosen by the client, echoed by the reply
  std::uint32_t json_bytes = 0;
  std::uint32_t binary_bytes = 0;
  std::uint16_t fd_count = 0;
  std::uint16_t reserved = 0;       // zero
};
static_assert(sizeof(FrameHeader) == 24, "FrameHeader is 24 bytes on the wire");
static_assert(offsetof(FrameHeader, version) == 4 && offsetof(FrameHeader, request_id) == 8 &&
              offsetof(FrameHeader, fd_count) == 20);

// Where npud listens: $NPU_NPUD_SOCKET, else /run/npustack/npud.sock.
[[nodiscard]] std::string default_socket_path();

// The message a client shows when npud cannot be reached at `path`.
[[nodiscard]] std::string not_running_message(std::string_view path);

}  // namespace npu::npud
