// The PCI and USB ids npustack recognises: its own ABI-native device (which it can open) and the
// vendor parts it can only identify (Hailo's, whose firmware protocol npustack does not speak).
//
// npustack's own ids are PLACEHOLDERS until allocated:
//  - PCI 0x1b36:0x4e50 — in the QEMU/Red Hat emulated-device range, where an emulated or FPGA
//    ABI-native device would first appear. NPU_PCI_ID=vvvv:dddd adds another id at run time.
//  - USB 0x1209 (pid.codes, the open-source vendor id) with products 0x4e50 (running) and
//    0x4e51 (boot/DFU mode: waits for firmware, then re-enumerates as 0x4e50). To be registered.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "npu/common/error.hpp"

namespace npu::hal {

inline constexpr std::uint16_t kHailoPciVendor = 0x1e60;
inline constexpr std::uint16_t kNativePciVendor = 0x1b36;
inline constexpr std::uint16_t kNativePciDevice = 0x4e50;
inline constexpr std::uint16_t kNativeUsbVendor = 0x1209;
inline constexpr std::uint16_t kNativeUsbProduct = 0x4e50;
inline constexpr std::uint16_t kNativeUsbBootProduct = 0x4e51;

struct KnownPart {
  std::uint16_t vendor_id;
  std::uint16_t device_id;
  std::string_view name;             // "Hailo-10H"
  bool abi_native;                   // speaks npustack's device ABI
  std::string_view firmware_subdir;  // under /lib/firmware/hailo for vendor parts ("" = none)
};

// Every PCI part in the built-in table (Hailo-8/8L/8R, Hailo-10H, Hailo-15L, npustack native).
[[nodiscard]] std::span<const KnownPart> known_pci_parts() noexcept;

// The part with these ids: the built-in table, then NPU_PCI_ID. nullopt if not ours to list.
[[nodiscard]] std::optional<KnownPart> find_pci_part(std::uint16_t vendor, std::uint16_t device);

// Parses "vvvv:dddd" (hex); kInvalidArgument says what the format is.
[[nodiscard]] Expected<std::pair<std::uint16_t, std::uint16_t>> parse_pci_id(std::string_view text);

}  // namespace npu::hal
