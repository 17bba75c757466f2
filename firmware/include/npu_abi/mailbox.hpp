// Mailbox messages: one 256-byte request window and one 256-byte response window in BAR0.
// Every message starts with a 16-byte header; the payload struct follows. Payload structs all fit
// in kMboxMaxPayload and carry explicit reserved padding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu::abi {

inline constexpr std::uint32_t kMboxMaxPayload = 240;

enum class MboxOpcode : std::uint16_t {
  kIdentify = 1,       // -> IdentifyResponse
  kLoadContext = 2,    // LoadContextRequest -> LoadContextResponse
  kRun = 3,            // RunRequest -> RunResponse
  kReset = 4,          // soft reset of firmware state (drops contexts); no payload
  kQueryStats = 5,     // -> StatsResponse
  kUnloadContext = 6,  // UnloadContextRequest -> no payload
  kProfile = 7,        // ABI 1.1 ("mailbox.profile"): ProfileRequest -> ProfileResponse
};

enum class MboxStatus : std::uint16_t {
  kOk = 0,
  kBadOpcode = 1,
  kBadArgs = 2,          // payload size or a field is invalid
  kNoSuchContext = 3,
  kBadProgram = 4,       // program header/ops malformed or address out of a segment
  kExecError = 5,        // an op failed while running
  kNoResources = 6,      // too many contexts / SRAM exhausted
  kDmaError = 7,         // the device could not read or write memory it needed
};

struct MboxHeader {
  std::uint16_t opcode;        // MboxOpcode
  std::uint16_t status;        // MboxStatus (responses; 0 in requests)
  std::uint32_t seq;           // request sequence number; the response echoes it
  std::uint32_t payload_size;  // bytes of payload following the header
  std::uint32_t reserved;      // 0
};
static_assert(sizeof(MboxHeader) == 16);

struct MboxMessage {
  MboxHeader header;
  std::uint8_t payload[kMboxMaxPayload];
};
static_assert(sizeof(MboxMessage) == 256);

struct IdentifyResponse {
  std::uint32_t device_magic;    // kDeviceMagic
  std::uint32_t abi_version;     // ABI the running firmware speaks
  std::uint32_t fw_version;
  std::uint32_t clock_khz;
  std::uint64_t ddr_bytes;
  std::uint64_t sram_bytes;
  std::uint32_t num_clusters;    // compute clusters
  std::uint32_t max_contexts;    // contexts loadable at once
  std::uint64_t serial;          // unique per device instance
  char board_name[32];           // NUL-padded, e.g. "npustack-sim (hailo10h)"
  char fw_build_id[16];          // from the firmware image header
  char profile[32];              // device profile name (simulator) or SKU
  std::uint8_t reserved[32];           // pads to the asserted 160 bytes
};
static_assert(sizeof(IdentifyResponse) == 160);

// Segments a context program addresses (program.hpp Operand::segment). The host allocates each in
// device memory and passes their bases at load time; the program holds only offsets.
enum class Segment : std::uint8_t {
  kWeights = 0,   // read-only parameters
  kIo = 1,        // inputs and outputs (the host DMAs them in and out around RUN)
  kScratch = 2,   // intermediate activations
  kState = 3,     // persistent state across runs (KV cache, conv state)
  kCount = 4,
};
inline constexpr std::size_t kMaxSegments = 8;

struct LoadContextRequest {
  std::uint32_t context_id;          // chosen by the host, < max_contexts
  std::uint32_t num_segments;        // <= kMaxSegments
  std::uint64_t program_addr;        // device address of the program (program.hpp)
  std::uint64_t program_size;        // bytes
  std::uint64_t segment_base[kMaxSegments];
  std::uint64_t segment_size[kMaxSegments];
  std::uint64_t sram_bytes;          // SRAM the context wants resident (0 = none)
  std::uint8_t reserved[64];
};
static_assert(sizeof(LoadContextRequest) == 224);

struct LoadContextResponse {
  std::uint64_t load_cycles;         // device cycles spent loading
  std::uint32_t num_ops;
  std::uint32_t reserved;
};
static_assert(sizeof(LoadContextResponse) == 16);

struct UnloadContextRequest {
  std::uint32_t context_id;
  std::uint32_t reserved;
};
static_assert(sizeof(UnloadContextRequest) == 8);

struct RunRequest {
  std::uint32_t context_id;
  std::uint32_t flags;               // RunFlags
  std::uint32_t first_op;            // run ops [first_op, first_op + num_ops); num_ops 0 = to the end
  std::uint32_t num_ops;
  std::int32_t params[8];            // runtime parameters read by ops (e.g. position, token count)
};
static_assert(sizeof(RunRequest) == 48);

enum RunFlags : std::uint32_t {
  kRunTimingOnly = 1u << 0,  // charge time, skip computing values
};

struct RunResponse {
  std::uint64_t start_cycle;
  std::uint64_t end_cycle;           // device cycle counter when the run finished
  std::uint64_t compute_cycles;      // cycles the compute clusters were busy
  std::uint64_t dma_cycles;          // cycles the DMA engines were busy
  std::uint64_t ddr_bytes;           // bytes read+written in device DDR
  std::uint32_t ops_executed;
  std::uint32_t failed_op;           // index of the failing op when status = kExecError
  // ABI 1.1 ("stats.energy"; 0 from older firmware): modeled or measured energy of the run,
  // static power over [start_cycle, end_cycle] plus the dynamic energy of its work, nanojoules.
  std::uint64_t energy_nj;
  std::uint8_t reserved[8];
};
static_assert(sizeof(RunResponse) == 64);
static_assert(offsetof(RunResponse, energy_nj) == 48);

struct StatsResponse {
  std::uint64_t cycles;              // device cycle counter now
  std::uint64_t busy_cycles;         // cycles with any engine busy
  std::uint64_t runs;
  std::uint64_t context_switches;    // loads of a context's configuration/SRAM data
  std::uint64_t h2d_bytes;
  std::uint64_t d2h_bytes;
  std::uint64_t ddr_bytes;
  std::uint64_t mailbox_requests;
  std::uint32_t contexts_loaded;
  std::uint32_t reserved0;
  // ABI 1.1 ("stats.energy"; 0 from older firmware), since reset, nanojoules: everything
  // (static power over `cycles` plus dynamic), and the dynamic part alone.
  std::uint64_t energy_nj;
  std::uint64_t dynamic_energy_nj;
  std::uint8_t reserved[16];
};
static_assert(sizeof(StatsResponse) == 104);
static_assert(offsetof(StatsResponse, energy_nj) == 72);

// ---- Profiling (ABI 1.1, "mailbox.profile"). While recording, the firmware appends one
// ProfileRecord per piece of work it charges (program op, DMA descriptor, context switch, mailbox
// command) to a bounded on-device buffer; PROFILE commands start/stop recording and copy records
// into host memory the host mapped for the device (a DMA buffer's device-visible address).
enum class ProfileAction : std::uint32_t {
  kStart = 0,  // clear the buffer and start recording
  kStop = 1,   // stop recording (records stay readable)
  kRead = 2,   // copy records [first_record, ...) into host_addr, at most host_bytes / record size
};

enum class ProfileKind : std::uint16_t {
  kOp = 0,             // an op of a context program (opcode, op_index, layer set)
  kDmaH2D = 1,         // one H2D descriptor (bytes = its length; placement included)
  kDmaD2H = 2,
  kContextSwitch = 3,  // loading a context's configuration / SRAM data
  kMailbox = 4,        // the control core serving a mailbox command (opcode = MboxOpcode)
};

inline constexpr std::uint32_t kProfileNoLayer = 0xffffffffu;

struct ProfileRecord {
  std::uint64_t start_cycle;
  std::uint64_t end_cycle;
  std::uint64_t compute_cycles;   // MAC / vector busy cycles of the work
  std::uint64_t memory_cycles;    // DDR / SRAM / link busy cycles of the work
  std::uint64_t bytes;            // DDR bytes (ops, context switches) or bytes moved (DMA)
  std::uint32_t energy_nj;        // dynamic energy of the work (saturates at 2^32-1)
  std::uint32_t context_id;       // 0xffffffff when not tied to a context
  std::uint32_t op_index;         // kOp: index in the program
  std::uint32_t layer;            // kOp: model layer (OpDesc layer tag) or kProfileNoLayer
  std::uint16_t kind;             // ProfileKind
  std::uint16_t opcode;           // kOp: OpCode; kMailbox: MboxOpcode
  std::uint8_t memory_bound;      // 1 when memory time exceeded compute time
  std::uint8_t reserved[3];
};
static_assert(sizeof(ProfileRecord) == 64);
static_assert(offsetof(ProfileRecord, energy_nj) == 40);

struct ProfileRequest {
  std::uint32_t action;           // ProfileAction
  std::uint32_t first_record;     // kRead: index of the first record to copy
  std::uint64_t host_addr;        // kRead: device-visible (IOVA) address of host memory
  std::uint32_t host_bytes;       // kRead: bytes available there
  std::uint32_t reserved;         // 0
};
static_assert(sizeof(ProfileRequest) == 24);

struct ProfileResponse {
  std::uint32_t records_total;    // records in the buffer
  std::uint32_t records_copied;   // kRead: records written to host memory
  std::uint32_t record_size;      // sizeof(ProfileRecord)
  std::uint32_t dropped;          // records not kept because the buffer was full
  std::uint32_t recording;        // 1 while recording
  std::uint32_t capacity;         // records the buffer holds
  std::uint8_t reserved[8];
};
static_assert(sizeof(ProfileResponse) == 32);

static_assert(sizeof(IdentifyResponse) <= kMboxMaxPayload);
static_assert(sizeof(LoadContextRequest) <= kMboxMaxPayload);
static_assert(sizeof(RunResponse) <= kMboxMaxPayload);
static_assert(sizeof(StatsResponse) <= kMboxMaxPayload);

}  // namespace npu::abi
