#include "profile_fields.hpp"

#include <array>

namespace npu::sim::detail {

namespace {
using P = DeviceProfile;
constexpr double kBig = 1e18;

const std::array kFields = {
    ProfileField{"clock_hz", &P::clock_hz, 1e6, 1e10},
    ProfileField{"clusters", &P::clusters, 1, 4096},
    ProfileField{"int4_ops_per_s", &P::int4_ops_per_s, 1e6, 1e16},
    ProfileField{"int8_ops_per_s", &P::int8_ops_per_s, 1e6, 1e16},
    ProfileField{"vector_ops_per_s", &P::vector_ops_per_s, 1e6, 1e16},
    ProfileField{"compute_efficiency", &P::compute_efficiency, 1e-4, 1.0},
    ProfileField{"sram_bytes", &P::sram_bytes, 0, kBig},
    ProfileField{"ddr_bytes", &P::ddr_bytes, 0, kBig},
    ProfileField{"ddr_peak_bytes_per_s", &P::ddr_peak_bytes_per_s, 1e6, 1e13},
    ProfileField{"ddr_efficiency", &P::ddr_efficiency, 1e-3, 1.0},
    ProfileField{"ddr_latency_ns", &P::ddr_latency_ns, 0, 1e6},
    ProfileField{"sram_bytes_per_s", &P::sram_bytes_per_s, 1e6, 1e15},
    ProfileField{"link_name", &P::link_name, 0, 0},
    ProfileField{"link_bytes_per_s", &P::link_bytes_per_s, 1e5, 1e12},
    ProfileField{"link_latency_ns", &P::link_latency_ns, 0, 1e8},
    ProfileField{"mailbox_latency_ns", &P::mailbox_latency_ns, 0, 1e10},
    ProfileField{"op_dispatch_ns", &P::op_dispatch_ns, 0, 1e9},
    ProfileField{"context_switch_fixed_ns", &P::context_switch_fixed_ns, 0, 1e10},
    ProfileField{"boot_ns", &P::boot_ns, 0, 1e12},
    ProfileField{"static_power_w", &P::static_power_w, 0, 1e3},
    ProfileField{"energy_per_int8_mac_j", &P::energy_per_int8_mac_j, 0, 1e-6},
    ProfileField{"energy_per_int4_mac_j", &P::energy_per_int4_mac_j, 0, 1e-6},
    ProfileField{"energy_per_ddr_byte_j", &P::energy_per_ddr_byte_j, 0, 1e-6},
    ProfileField{"dma_descriptor_ns", &P::dma_descriptor_ns, 0, 1e8},
    ProfileField{"placement_bytes_per_s", &P::placement_bytes_per_s, 1e3, 1e13},
    ProfileField{"load_chunk_bytes", &P::load_chunk_bytes, 4096, 1ull << 34},
    ProfileField{"load_staging_buffers", &P::load_staging_buffers, 1, 64},
    ProfileField{"context_config_bytes", &P::context_config_bytes, 0, 1ull << 34},
    ProfileField{"energy_per_vector_op_j", &P::energy_per_vector_op_j, 0, 1e-6},
    ProfileField{"energy_per_sram_byte_j", &P::energy_per_sram_byte_j, 0, 1e-6},
    ProfileField{"energy_per_link_byte_j", &P::energy_per_link_byte_j, 0, 1e-6},
    ProfileField{"typical_power_w", &P::typical_power_w, 0, 1e3},
    ProfileField{"context_weight_bytes", &P::context_weight_bytes, 4096, 1ull << 40},
    ProfileField{"context_reconfig_ns", &P::context_reconfig_ns, 0, 1e9},
    ProfileField{"attention_static_kv_window", &P::attention_static_kv_window, 0, 1},
    ProfileField{"timing_spread", &P::timing_spread, 0, 1},
    ProfileField{"timing_evidence", &P::timing_evidence, 0, 0},
};
}  // namespace

std::span<const ProfileField> profile_fields() noexcept { return kFields; }

}  // namespace npu::sim::detail
