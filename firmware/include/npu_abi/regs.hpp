// BAR0 register map of an npustack ABI-native device. All registers are 32-bit, little-endian.
//
// Boot: after reset STATUS = kWaitFirmware. The host writes a firmware image into DMA-able host
// memory, writes its device-visible address to BOOT_ADDR_LO/HI and its size to BOOT_SIZE, then
// writes kBootStart to BOOT_CTRL. The device DMAs the image in, checks it (fw_image.hpp) and sets
// STATUS to kAlive, or to kBootFailed with ERROR_CODE = BootError; both raise kIrqBoot.
//
// Mailbox: the host writes a request (mailbox.hpp) into MBOX_REQ, then writes kDoorbellMailbox to
// DOORBELL. The device writes the response into MBOX_RESP and raises kIrqMailbox. One request at a
// time; the response echoes the request's seq.
//
// DMA rings (dma.hpp): each ring is an array of DmaDescriptor in host memory. The host programs
// BASE_LO/HI and SIZE (entries, power of two) while the ring is idle, fills descriptors, advances
// TAIL (free-running u32 producer index) and rings the ring's doorbell bit. The device processes
// descriptors from HEAD (free-running consumer index) to TAIL, writes each descriptor's status,
// advances HEAD and raises the ring's interrupt for descriptors that ask for one.
//
// Interrupts: IRQ_STATUS bits latch events (write 1 to clear); only bits set in IRQ_MASK are
// delivered to the host's interrupt line.
#pragma once

#include <cstdint>

namespace npu::abi::reg {

inline constexpr std::uint32_t kBar0Size = 0x1000;

// Identity and state.
inline constexpr std::uint32_t kId = 0x000;           // RO  kDeviceMagic
inline constexpr std::uint32_t kAbiVersion = 0x004;   // RO  ABI of the boot ROM / hardware
inline constexpr std::uint32_t kFwVersion = 0x008;    // RO  version of the running firmware (0 before boot)
inline constexpr std::uint32_t kStatus = 0x00c;       // RO  DeviceState
inline constexpr std::uint32_t kErrorCode = 0x010;    // RO  BootError while kBootFailed, FaultCode while kFaulted
inline constexpr std::uint32_t kIrqStatus = 0x014;    // RW1C
inline constexpr std::uint32_t kIrqMask = 0x018;      // RW  1 = delivered
inline constexpr std::uint32_t kDoorbell = 0x01c;     // WO  Doorbell bits
inline constexpr std::uint32_t kReset = 0x020;        // WO  kResetMagic: full device reset
inline constexpr std::uint32_t kBootAddrLo = 0x024;   // RW
inline constexpr std::uint32_t kBootAddrHi = 0x028;   // RW
inline constexpr std::uint32_t kBootSize = 0x02c;     // RW  bytes
inline constexpr std::uint32_t kBootCtrl = 0x030;     // WO  kBootStart
inline constexpr std::uint32_t kCyclesLo = 0x034;     // RO  modeled device cycle counter; reading LO latches HI
inline constexpr std::uint32_t kCyclesHi = 0x038;     // RO
inline constexpr std::uint32_t kClockKhz = 0x03c;     // RO  device core clock
inline constexpr std::uint32_t kDdrSizeMb = 0x040;    // RO  device DDR size in MiB
inline constexpr std::uint32_t kSramSizeKb = 0x044;   // RO  on-chip SRAM size in KiB
inline constexpr std::uint32_t kHeartbeat = 0x048;    // RO  firmware increments while alive
// ABI 1.2 ("watchdog.heartbeat"): the firmware's timer advances HEARTBEAT every
// HEARTBEAT_PERIOD_US while the control program runs, whatever it is busy with (a hung or crashed
// core stops it); the host declares a hang when it stays still for a few periods. RUN_PROGRESS
// counts the ops the RUN being served has completed (0 when a RUN starts), so the host bounds a
// RUN by its progress rather than by its total length.
inline constexpr std::uint32_t kHeartbeatPeriodUs = 0x04c;  // RO  set by the firmware at boot; 0 = none
inline constexpr std::uint32_t kRunProgress = 0x050;        // RO  ops completed by the current RUN

// DMA rings: host-to-device at kH2dRing, device-to-host at kD2hRing; offsets within a ring block.
inline constexpr std::uint32_t kH2dRing = 0x080;
inline constexpr std::uint32_t kD2hRing = 0x0a0;
inline constexpr std::uint32_t kRingBaseLo = 0x00;   // RW  device-visible address of descriptor array
inline constexpr std::uint32_t kRingBaseHi = 0x04;   // RW
inline constexpr std::uint32_t kRingSize = 0x08;     // RW  entries (power of two, 2..65536)
inline constexpr std::uint32_t kRingHead = 0x0c;     // RO  consumer index (device)
inline constexpr std::uint32_t kRingTail = 0x10;     // RW  producer index (host)

// Mailbox windows.
inline constexpr std::uint32_t kMboxReq = 0x400;     // 256 bytes, MboxRequest
inline constexpr std::uint32_t kMboxResp = 0x500;    // 256 bytes, MboxResponse
inline constexpr std::uint32_t kMboxWindowSize = 0x100;

inline constexpr std::uint32_t kResetMagic = 0x52535421;  // "!TSR"
inline constexpr std::uint32_t kBootStart = 1;

// Doorbell bits.
inline constexpr std::uint32_t kDoorbellMailbox = 1u << 0;
inline constexpr std::uint32_t kDoorbellH2d = 1u << 1;
inline constexpr std::uint32_t kDoorbellD2h = 1u << 2;

// Interrupt bits.
inline constexpr std::uint32_t kIrqBoot = 1u << 0;     // boot finished (alive or failed)
inline constexpr std::uint32_t kIrqMailbox = 1u << 1;  // mailbox response ready
inline constexpr std::uint32_t kIrqH2d = 1u << 2;      // H2D descriptor(s) completed
inline constexpr std::uint32_t kIrqD2h = 1u << 3;      // D2H descriptor(s) completed
inline constexpr std::uint32_t kIrqFault = 1u << 4;    // firmware/device fault: STATUS = kFaulted
inline constexpr std::uint32_t kIrqAll = 0x1f;

}  // namespace npu::abi::reg

namespace npu::abi {

enum class DeviceState : std::uint32_t {
  kWaitFirmware = 0,  // after reset: waiting for BOOT_CTRL
  kBooting = 1,       // fetching and checking the image
  kAlive = 2,         // firmware running, serving mailbox and rings
  kBootFailed = 3,    // image refused: ERROR_CODE holds a BootError; reset to retry
  kFaulted = 4,       // firmware crashed or hit a fatal error: ERROR_CODE holds a FaultCode; reset
};

enum class BootError : std::uint32_t {
  kNone = 0,
  kBadMagic = 1,       // header magic is not "NPFW"
  kAbiMismatch = 2,    // image ABI major differs from the device's, or its minor is newer
  kBadChecksum = 3,    // header or payload CRC-32 does not match
  kTruncated = 4,      // BOOT_SIZE smaller than header + payload_size
  kDmaError = 5,       // the image could not be read from host memory
  kTooLarge = 6,       // image larger than the device's firmware region
  kBadHeader = 7,      // header_size or reserved fields invalid
};

enum class FaultCode : std::uint32_t {
  kNone = 0,
  kFirmwareCrash = 1,  // the control program stopped (exception / watchdog)
  kMemoryError = 2,    // uncorrectable device-memory error
  kDmaFault = 3,       // a DMA engine stopped on a bad address
  kInternal = 4,
};

}  // namespace npu::abi
