// `npu identify [--device ID] [--json]`: what a device is. On npustack's own devices: board,
// firmware, ABI, profile, memory, clock, link. On a device driven by a vendor runtime (a Hailo
// through HailoRT): board, architecture, product, serial, firmware and the runtime's version.
#include <fmt/format.h>

#include "commands.hpp"
#include "npu/vdevice.hpp"
#include "output.hpp"

namespace npu::tools {

void add_identify_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("identify", "Open a device and print what it is");
  struct Opts {
    std::string device;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("-d,--device", o->device, "Device id from `npu scan`: sim:N, pcie:..., hailo:... "
                 "(default: a usable accelerator, else the simulator)");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([&ctx, o] {
    VDeviceParams params;
    if (!o->device.empty()) params.device_ids = {o->device};
    auto vdevice = VDevice::create(params);
    if (!vdevice) {
      ctx.exit_code = report_error("identify", vdevice.error());
      return;
    }
    const DeviceIdentity& id = (*vdevice)->identity(0);
    const DeviceSelection& how = (*vdevice)->selection();
    const bool vendor = !id.runtime_version.empty();  // driven by a vendor runtime (HailoRT)
    if (o->json) {
      print_json({{"id", id.info.id}, {"backend", id.info.backend}, {"name", id.info.name},
                  {"runtime_backend", how.backend}, {"selection", how.reason},
                  {"board", id.board_name}, {"architecture", id.architecture}, {"product", id.product_name},
                  {"part_number", id.part_number}, {"serial_number", id.serial_number},
                  {"firmware_version", fw_version_string(id.fw_version)}, {"firmware_build", id.fw_build_id},
                  {"runtime_version", id.runtime_version},
                  {"abi_version", vendor ? nlohmann::json(nullptr) : nlohmann::json(abi_version_string(id.abi_version))},
                  {"profile", id.profile}, {"ddr_bytes", id.ddr_bytes}, {"sram_bytes", id.sram_bytes},
                  {"clock_khz", id.clock_khz}, {"clusters", id.num_clusters},
                  {"max_contexts", id.max_contexts}, {"serial", fmt::format("{:016x}", id.serial)},
                  {"link", id.info.link}, {"bus_address", id.info.bus_address}});
      return;
    }
    fmt::print("Device:        {} ({})\n", id.info.id, id.info.name);
    fmt::print("Backend:       {}{} ({})\n", how.backend, id.runtime_version.empty() ? "" : ", " + id.runtime_version,
               how.reason);
    fmt::print("Board:         {}\n", id.board_name);
    fmt::print("Firmware:      {} ({}{})\n", fw_version_string(id.fw_version), vendor ? "" : "build ", id.fw_build_id);
    if (vendor) {
      fmt::print("Runtime:       {}\n", id.runtime_version);
      fmt::print("Architecture:  {}\n", id.architecture);
      if (!id.product_name.empty()) fmt::print("Product:       {}\n", id.product_name);
      if (!id.part_number.empty()) fmt::print("Part number:   {}\n", id.part_number);
      fmt::print("Serial:        {}\n", id.serial_number);
      fmt::print("Bus address:   {}\n", id.info.bus_address);
      if (!id.info.note.empty()) fmt::print("Note:          {}\n", id.info.note);
      return;
    }
    fmt::print("Device ABI:    {}\n", abi_version_string(id.abi_version));
    fmt::print("Profile:       {}\n", id.profile);
    fmt::print("DDR / SRAM:    {} MiB / {} KiB\n", id.ddr_bytes >> 20, id.sram_bytes >> 10);
    fmt::print("Clock:         {} MHz, {} clusters\n", id.clock_khz / 1000.0, id.num_clusters);
    fmt::print("Link:          {}\n", id.info.link);
    fmt::print("Serial:        {:016x}\n", id.serial);
  });
}

}  // namespace npu::tools
