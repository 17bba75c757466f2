// `npu scan [--json]`: every device the host sees, and whether npustack can open it.
#include <fmt/format.h>

#include "commands.hpp"
#include "npu/vdevice.hpp"
#include "output.hpp"

namespace npu::tools {

void add_scan_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("scan", "List NPUs (real and simulated) visible to this host");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->callback([&ctx, json] {
    auto devices = VDevice::scan();
    if (!devices) {
      ctx.exit_code = report_error("scan", devices.error());
      return;
    }
    if (*json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& d : *devices) {
        list.push_back({{"id", d.id}, {"backend", d.backend}, {"name", d.name},
                        {"bus_address", d.bus_address},
                        {"vendor_id", fmt::format("{:04x}", d.vendor_id)},
                        {"device_id", fmt::format("{:04x}", d.device_id)},
                        {"kernel_driver", d.kernel_driver}, {"link", d.link},
                        {"usable", d.usable}, {"note", d.note}});
      }
      print_json({{"devices", list}, {"count", devices->size()}});
      return;
    }
    if (devices->empty()) {
      fmt::print("No NPU found.\n");
      return;
    }
    for (const auto& d : *devices) {
      fmt::print("{:<24} {:<40} {:<18} {}{}\n", d.id, d.name, d.link, d.usable ? "ready" : "not usable",
                 d.note.empty() ? "" : " (" + d.note + ")");
    }
  });
}

}  // namespace npu::tools
