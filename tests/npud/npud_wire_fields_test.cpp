// Every field of the generation types travels over the npud wire: the JSON carries as many keys
// as the struct has fields (counted at compile time, so a field added later and left out of
// wire/llm_json.hpp fails here), each key reads back to the value written, and a peer of protocol
// version 1 that does not know a newer key gets the field's default.
#include <gtest/gtest.h>

#include "aggregate_fields.hpp"
#include "wire/api_json.hpp"
#include "wire/llm_json.hpp"

namespace npu::test {
namespace {

using nlohmann::json;

genai::GeneratorParams every_params_field_set() {
  genai::GeneratorParams p;
  p.temperature = 0.25f;
  p.top_k = 7;
  p.top_p = 0.5f;
  p.min_p = 0.125f;
  p.repetition_penalty = 1.5f;
  p.repetition_window = 8;
  p.seed = 99;
  p.presence_penalty = 0.75f;
  p.frequency_penalty = -0.5f;
  p.greedy = true;
  p.max_generated_tokens = 12;
  p.stop_tokens = {3, 4};
  p.ignore_end_tokens = true;
  p.stop_strings = {"END"};
  p.return_logits = true;
  p.show_reasoning = true;
  p.timing_only = true;
  return p;
}

TEST(NpudWireFields, GeneratorParamsEveryFieldRoundTrips) {
  const json j = npud::to_json(every_params_field_set());
  // GeneratorParams is its SamplingParams base (one initializer) and its own fields.
  EXPECT_EQ(j.size(), aggregate_field_count<genai::SamplingParams>() + aggregate_field_count<genai::GeneratorParams>() - 1)
      << "a GeneratorParams field is missing from wire/llm_json.hpp (or not set above): " << j.dump();
  const json defaults = npud::to_json(genai::GeneratorParams{});
  for (const auto& [key, value] : j.items()) EXPECT_NE(defaults.value(key, json()), value) << key << " not set above";
  EXPECT_EQ(npud::to_json(npud::generator_params_from_json(j)), j);
}

TEST(NpudWireFields, GenerationOutputEveryFieldRoundTrips) {
  genai::GenerationOutput o;
  o.kind = genai::OutputKind::kToolCall;
  o.text = R"({"name":"f"})";
  o.token = 41;
  o.index = 5;
  o.status = genai::GenerationStatus::kLogicalEnd;
  o.warning = "unbalanced bracket";
  const json j = npud::to_json(o);
  // The logits travel as the frame's binary part, not in the JSON.
  EXPECT_EQ(j.size() + 1, aggregate_field_count<genai::GenerationOutput>())
      << "a GenerationOutput field is missing from wire/llm_json.hpp: " << j.dump();
  EXPECT_EQ(npud::to_json(npud::output_from_json(j)), j);
}

TEST(NpudWireFields, GenerationStatsEveryFieldRoundTrips) {
  genai::GenerationStats s;
  s.prompt_tokens = 1, s.generated_tokens = 2, s.prefill_runs = 3, s.tbt_runs = 4;
  s.device_ttft = std::chrono::nanoseconds(5), s.device_decode = std::chrono::nanoseconds(6);
  s.host_ttft = std::chrono::nanoseconds(7), s.host_decode = std::chrono::nanoseconds(8);
  s.host_step = std::chrono::nanoseconds(9), s.queue = std::chrono::nanoseconds(10);
  s.device_cycles = 11, s.ddr_bytes = 12, s.decode_ddr_bytes = 13;
  s.decode_cycles = 14, s.decode_compute_cycles = 15, s.decode_dma_cycles = 16;
  s.device_energy_j = 0.5, s.decode_energy_j = 0.25;
  const json j = npud::to_json(s);
  EXPECT_EQ(j.size(), aggregate_field_count<genai::GenerationStats>())
      << "a GenerationStats field is missing from wire/llm_json.hpp: " << j.dump();
  EXPECT_EQ(npud::to_json(npud::generation_stats_from_json(j)), j);
}

TEST(NpudWireFields, DeviceStatsEveryFieldRoundTrips) {
  DeviceStats s;
  s.cycles = 1, s.busy_cycles = 2, s.runs = 3, s.context_switches = 4, s.h2d_bytes = 5, s.d2h_bytes = 6;
  s.ddr_bytes = 7, s.mailbox_requests = 8, s.contexts_loaded = 9, s.energy_j = 0.5, s.dynamic_energy_j = 0.25;
  s.resets = 10, s.lost_interrupts = 11, s.interrupts = 12, s.device_memory_free = 13;
  s.device_memory_largest_free = 14, s.device_memory_fragmentation = 0.125, s.h2d_descriptors = 15;
  s.d2h_descriptors = 16, s.dma_ring_full_waits = 17;
  const json j = npud::to_json(s);
  EXPECT_EQ(j.size(), aggregate_field_count<DeviceStats>())
      << "a DeviceStats field is missing from wire/api_json.hpp (or not set above): " << j.dump();
  EXPECT_EQ(npud::to_json(npud::stats_from_json(j)), j);
}

TEST(NpudWireFields, KeysAnOlderPeerOmitsTakeTheirDefaults) {
  json params = npud::to_json(every_params_field_set());
  params.erase("show_reasoning");
  EXPECT_FALSE(npud::generator_params_from_json(params).show_reasoning);
  EXPECT_TRUE(npud::generator_params_from_json(params).timing_only);
  json event = {{"kind", static_cast<int>(genai::OutputKind::kContent)}, {"text", "hi"}, {"token", 3}};
  const auto o = npud::output_from_json(event);
  EXPECT_EQ(o.text, "hi");
  EXPECT_TRUE(o.warning.empty());
  // A wrong type keeps the default rather than failing the whole event.
  event["warning"] = 12;
  EXPECT_TRUE(npud::output_from_json(event).warning.empty());
}

}  // namespace
}  // namespace npu::test
