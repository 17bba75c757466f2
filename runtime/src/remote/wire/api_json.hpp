// JSON forms of the runtime's value types as npud sends them (header-only: used by the runtime's
// remote client and by the daemon, which both see the runtime's public headers).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"
#include "npu/vdevice.hpp"

namespace npu::npud {

using nlohmann::json;

template <class T>
struct is_json_vector : std::false_type {};
template <class T>
struct is_json_vector<std::vector<T>> : std::true_type {};

// Whether `v` converts to T exactly. A peer's JSON is outside input: get<int>() of 1e300 or of
// 3000000000 would be undefined behaviour or a silent wrap, so numbers must be integers in T's
// range (any number for floating T), and vectors must hold such elements.
template <class T>
[[nodiscard]] bool json_fits(const json& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean();
  } else if constexpr (std::is_integral_v<T>) {
    if (v.is_number_unsigned()) {
      return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    }
    if (!v.is_number_integer()) return false;
    const auto x = v.get<std::int64_t>();
    if (x < 0) return std::is_signed_v<T> && x >= static_cast<std::int64_t>(std::numeric_limits<T>::min());
    return static_cast<std::uint64_t>(x) <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
  } else if constexpr (std::is_floating_point_v<T>) {
    return v.is_number();
  } else if constexpr (is_json_vector<T>::value) {
    if (!v.is_array()) return false;
    for (const auto& e : v) {
      if (!json_fits<typename T::value_type>(e)) return false;
    }
    return true;
  } else {
    return true;  // strings and objects: get<T>() throws on a mismatch, caught by the readers
  }
}

// Reads an optional field; leaves `out` alone when absent or of the wrong type or range.
template <class T>
void read_field(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null() || !json_fits<T>(*it)) return;
  try {
    out = it->get<T>();
  } catch (const json::exception&) {  // wrong type: keep the default
  }
}

// A field the request must carry: kInvalidArgument naming it when absent, of the wrong type or
// out of T's range.
template <class T>
[[nodiscard]] Expected<T> required_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !json_fits<T>(*it)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("the request's \"{}\" is {}", key,
                            it == j.end() ? "missing" : "of the wrong type or out of range"));
  }
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("the request's \"{}\" has the wrong type", key));
  }
}

// "abi_native" is what protocol 1 called "usable" first; both are written, either is read.
inline json to_json(const DeviceInfo& d) {
  return {{"id", d.id}, {"backend", d.backend}, {"name", d.name}, {"bus_address", d.bus_address},
          {"vendor_id", d.vendor_id}, {"device_id", d.device_id}, {"kernel_driver", d.kernel_driver},
          {"link", d.link}, {"usable", d.usable}, {"abi_native", d.usable}, {"note", d.note}};
}

inline json to_json(const DeviceIdentity& d) {
  return {{"info", to_json(d.info)}, {"abi_version", d.abi_version}, {"fw_version", d.fw_version},
          {"fw_build_id", d.fw_build_id}, {"runtime_version", d.runtime_version}, {"clock_khz", d.clock_khz}, {"ddr_bytes", d.ddr_bytes},
          {"sram_bytes", d.sram_bytes}, {"num_clusters", d.num_clusters}, {"max_contexts", d.max_contexts},
          {"serial", d.serial}, {"board_name", d.board_name}, {"profile", d.profile}};
}

inline DeviceIdentity identity_from_json(const json& j) {
  DeviceIdentity d;
  if (auto it = j.find("info"); it != j.end() && it->is_object()) {
    const json& i = *it;
    read_field(i, "id", d.info.id);
    read_field(i, "backend", d.info.backend);
    read_field(i, "name", d.info.name);
    read_field(i, "bus_address", d.info.bus_address);
    read_field(i, "vendor_id", d.info.vendor_id);
    read_field(i, "device_id", d.info.device_id);
    read_field(i, "kernel_driver", d.info.kernel_driver);
    read_field(i, "link", d.info.link);
    read_field(i, "abi_native", d.info.usable);
    read_field(i, "usable", d.info.usable);
    read_field(i, "note", d.info.note);
  }
  read_field(j, "abi_version", d.abi_version);
  read_field(j, "fw_version", d.fw_version);
  read_field(j, "fw_build_id", d.fw_build_id);
  read_field(j, "runtime_version", d.runtime_version);
  read_field(j, "clock_khz", d.clock_khz);
  read_field(j, "ddr_bytes", d.ddr_bytes);
  read_field(j, "sram_bytes", d.sram_bytes);
  read_field(j, "num_clusters", d.num_clusters);
  read_field(j, "max_contexts", d.max_contexts);
  read_field(j, "serial", d.serial);
  read_field(j, "board_name", d.board_name);
  read_field(j, "profile", d.profile);
  return d;
}

// DeviceStats field by field, one list for both directions.
template <class J, class S>
void visit_stats(J& j, S& s, auto&& field) {
  field(j, "cycles", s.cycles);
  field(j, "busy_cycles", s.busy_cycles);
  field(j, "runs", s.runs);
  field(j, "context_switches", s.context_switches);
  field(j, "h2d_bytes", s.h2d_bytes);
  field(j, "d2h_bytes", s.d2h_bytes);
  field(j, "ddr_bytes", s.ddr_bytes);
  field(j, "mailbox_requests", s.mailbox_requests);
  field(j, "contexts_loaded", s.contexts_loaded);
  field(j, "energy_j", s.energy_j);
  field(j, "dynamic_energy_j", s.dynamic_energy_j);
  field(j, "resets", s.resets);
  field(j, "lost_interrupts", s.lost_interrupts);
  field(j, "interrupts", s.interrupts);
  field(j, "device_memory_free", s.device_memory_free);
  field(j, "device_memory_largest_free", s.device_memory_largest_free);
  field(j, "device_memory_fragmentation", s.device_memory_fragmentation);
  field(j, "h2d_descriptors", s.h2d_descriptors);
  field(j, "d2h_descriptors", s.d2h_descriptors);
  field(j, "dma_ring_full_waits", s.dma_ring_full_waits);
}

inline json to_json(const DeviceStats& s) {
  json j = json::object();
  visit_stats(j, s, [](json& out, const char* k, const auto& v) { out[k] = v; });
  return j;
}

inline DeviceStats stats_from_json(const json& j) {
  DeviceStats s;
  visit_stats(j, s, [](const json& in, const char* k, auto& v) { read_field(in, k, v); });
  return s;
}

inline json to_json(const SchedulerStats& s) {
  return {{"runs", s.runs}, {"model_switches", s.model_switches}, {"aborted", s.aborted}};
}

inline SchedulerStats scheduler_stats_from_json(const json& j) {
  SchedulerStats s;
  read_field(j, "runs", s.runs);
  read_field(j, "model_switches", s.model_switches);
  read_field(j, "aborted", s.aborted);
  return s;
}

inline json to_json(const RunInfo& r) {
  return {{"device_cycles", r.device_cycles}, {"device_time_ns", r.device_time.count()},
          {"host_time_ns", r.host_time.count()}, {"queue_time_ns", r.queue_time.count()},
          {"device_index", r.device_index}, {"reloaded", r.reloaded}};
}

inline RunInfo run_info_from_json(const json& j) {
  RunInfo r;
  std::int64_t device = 0, host = 0, queue = 0;
  read_field(j, "device_cycles", r.device_cycles);
  read_field(j, "device_time_ns", device);
  read_field(j, "host_time_ns", host);
  read_field(j, "queue_time_ns", queue);
  read_field(j, "device_index", r.device_index);
  read_field(j, "reloaded", r.reloaded);
  r.device_time = std::chrono::nanoseconds(device);
  r.host_time = std::chrono::nanoseconds(host);
  r.queue_time = std::chrono::nanoseconds(queue);
  return r;
}

}  // namespace npu::npud
