// What the runtime reports about devices: what a scan sees (DeviceInfo), what an opened device is
// (DeviceIdentity) and its counters (DeviceStats). The runtime's own types: whichever backend runs
// the device (in-process driver, npud, HailoRT) fills them in.
#pragma once

#include <cstdint>
#include <string>

namespace npu {

struct DeviceInfo {
  // Opens the device; the part before ':' names the backend's device family: "sim:0" (the
  // simulator), "pcie:0000:01:00.0" / "usb:1-1.2" (npustack's own driver), "hailo:0000:01:00.0"
  // (HailoRT).
  std::string id;
  std::string backend;       // that family: "sim", "pcie", "usb", "hailo"
  std::string name;          // human-readable part name, e.g. "npustack simulator (hailo10h)"
  std::string bus_address;   // PCI BDF / USB port path / "in-process": the same physical device
                             // seen by two backends has the same bus address
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::string kernel_driver; // bound kernel driver ("vfio-pci", "hailo1x_pci", ...), empty if none
  std::string link;          // e.g. "PCIe Gen3 x4" (modeled or read from the device)
  bool usable = false;       // this build can open it (else `note` says why and what to do)
  std::string note;          // why it cannot be opened, or a warning with its fix
  [[nodiscard]] bool simulated() const noexcept { return backend == "sim"; }
};

struct DeviceIdentity {
  DeviceInfo info;
  std::uint32_t abi_version = 0;   // npustack device ABI (major << 16 | minor); 0 off npustack's ABI
  std::uint32_t fw_version = 0;    // firmware version, 0x00MMmmpp
  std::string fw_build_id;
  std::string runtime_version;     // the vendor runtime that drives it ("HailoRT 5.2.0"); empty in-process
  std::uint32_t clock_khz = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint64_t sram_bytes = 0;
  std::uint32_t num_clusters = 0;
  std::uint32_t max_contexts = 0;
  std::uint64_t serial = 0;
  std::string board_name;
  std::string profile;             // the simulator's device profile ("hailo10h"); empty on hardware
};

// Counters of one device. A backend fills what it can measure and leaves the rest 0.
struct DeviceStats {
  std::uint64_t cycles = 0;
  std::uint64_t busy_cycles = 0;
  std::uint64_t runs = 0;
  std::uint64_t context_switches = 0;
  std::uint64_t h2d_bytes = 0;
  std::uint64_t d2h_bytes = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint64_t mailbox_requests = 0;
  std::uint32_t contexts_loaded = 0;
  double energy_j = 0;          // since the device's last reset (firmware ABI >= 1.1, else 0)
  double dynamic_energy_j = 0;  // the part of it caused by work (the rest is static power)
  std::uint64_t resets = 0;     // host side: recoveries performed
  // Host side, below: what the driver itself observed.
  std::uint64_t lost_interrupts = 0;       // completions noticed by polling, not by interrupt
  std::uint64_t interrupts = 0;            // interrupts serviced
  std::uint64_t device_memory_free = 0;    // bytes free in the device-memory allocator
  std::uint64_t device_memory_largest_free = 0;
  double device_memory_fragmentation = 0;  // 1 - largest free block / free bytes
  std::uint64_t h2d_descriptors = 0;       // DMA descriptors submitted per ring
  std::uint64_t d2h_descriptors = 0;
  std::uint64_t dma_ring_full_waits = 0;   // times a transfer waited for a free ring slot
};

}  // namespace npu
