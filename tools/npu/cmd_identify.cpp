// `npu identify [--device ID] [--json]`: board, firmware, ABI, profile, memory, clock, link.
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
    if (o->json) {
      print_json({{"id", id.info.id}, {"backend", id.info.backend}, {"runtime_backend", how.backend},
                  {"selection", how.reason}, {"runtime_version", id.runtime_version}, {"board", id.board_name},
                  {"firmware_version", fw_version_string(id.fw_version)},
                  {"firmware_build", id.fw_build_id}, {"abi_version", abi_version_string(id.abi_version)},
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
    fmt::print("Firmware:      {} (build {})\n", fw_version_string(id.fw_version), id.fw_build_id);
    fmt::print("Device ABI:    {}\n", abi_version_string(id.abi_version));
    fmt::print("Profile:       {}\n", id.profile);
    fmt::print("DDR / SRAM:    {} MiB / {} KiB\n", id.ddr_bytes >> 20, id.sram_bytes >> 10);
    fmt::print("Clock:         {} MHz, {} clusters\n", id.clock_khz / 1000.0, id.num_clusters);
    fmt::print("Link:          {}\n", id.info.link);
    fmt::print("Serial:        {:016x}\n", id.serial);
  });
}

}  // namespace npu::tools
