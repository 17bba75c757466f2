// JSON forms of the genai session types as npud sends them (header-only, like api_json.hpp).
// Protocol version 1 grows by optional keys only: a reader takes a missing key as the field's
// default, so older peers still understand each other. Every field of GeneratorParams,
// GenerationOutput and GenerationStats travels (tests/npud/npud_wire_fields_test.cpp counts them).
#pragma once

#include <optional>

#include "npu/genai/llm.hpp"
#include "wire/api_json.hpp"

namespace npu::npud {

template <class T>
void put_optional(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
template <class T>
void read_optional(const json& j, const char* key, std::optional<T>& out) {
  T v{};
  if (auto it = j.find(key); it != j.end() && !it->is_null()) {
    read_field(j, key, v);
    out = v;
  }
}

// The sampling fields, as keys of the object they are part of (a generation's params).
inline void put_sampling(json& j, const genai::SamplingParams& p) {
  put_optional(j, "temperature", p.temperature);
  put_optional(j, "top_k", p.top_k);
  put_optional(j, "top_p", p.top_p);
  put_optional(j, "min_p", p.min_p);
  put_optional(j, "repetition_penalty", p.repetition_penalty);
  put_optional(j, "repetition_window", p.repetition_window);
  put_optional(j, "seed", p.seed);
  put_optional(j, "presence_penalty", p.presence_penalty);
  put_optional(j, "frequency_penalty", p.frequency_penalty);
}

inline void read_sampling(const json& j, genai::SamplingParams& p) {
  read_optional(j, "temperature", p.temperature);
  read_optional(j, "top_k", p.top_k);
  read_optional(j, "top_p", p.top_p);
  read_optional(j, "min_p", p.min_p);
  read_optional(j, "repetition_penalty", p.repetition_penalty);
  read_optional(j, "repetition_window", p.repetition_window);
  read_optional(j, "seed", p.seed);
  read_optional(j, "presence_penalty", p.presence_penalty);
  read_optional(j, "frequency_penalty", p.frequency_penalty);
}

inline json to_json(const genai::GeneratorParams& p) {
  json j = {{"greedy", p.greedy}, {"stop_tokens", p.stop_tokens}, {"ignore_end_tokens", p.ignore_end_tokens},
            {"stop_strings", p.stop_strings}, {"return_logits", p.return_logits}, {"timing_only", p.timing_only},
            {"show_reasoning", p.show_reasoning}};
  put_sampling(j, p);
  put_optional(j, "max_generated_tokens", p.max_generated_tokens);
  return j;
}

inline genai::GeneratorParams generator_params_from_json(const json& j) {
  genai::GeneratorParams p;
  read_sampling(j, p);
  read_optional(j, "max_generated_tokens", p.max_generated_tokens);
  read_field(j, "greedy", p.greedy);
  read_field(j, "stop_tokens", p.stop_tokens);
  read_field(j, "ignore_end_tokens", p.ignore_end_tokens);
  read_field(j, "stop_strings", p.stop_strings);
  read_field(j, "return_logits", p.return_logits);
  read_field(j, "timing_only", p.timing_only);
  read_field(j, "show_reasoning", p.show_reasoning);  // absent (older client): hidden
  return p;
}

// The event's JSON; its logits (if any) travel as the frame's binary part.
inline json to_json(const genai::GenerationOutput& o) {
  return {{"kind", static_cast<int>(o.kind)}, {"text", o.text}, {"token", o.token}, {"index", o.index},
          {"status", static_cast<int>(o.status)}, {"warning", o.warning}};
}

inline genai::GenerationOutput output_from_json(const json& j) {
  genai::GenerationOutput o;
  int kind = 0, status = 0;
  read_field(j, "kind", kind);
  read_field(j, "status", status);
  // (kRecovery is the last kind; anything else from a newer daemon ends the stream.)
  if (kind < 0 || kind > static_cast<int>(genai::OutputKind::kRecovery)) kind = static_cast<int>(genai::OutputKind::kEnd);
  if (status < 0 || status > static_cast<int>(genai::GenerationStatus::kFailed)) {
    status = static_cast<int>(genai::GenerationStatus::kFailed);
  }
  o.kind = static_cast<genai::OutputKind>(kind);
  o.status = static_cast<genai::GenerationStatus>(status);
  read_field(j, "text", o.text);
  read_field(j, "token", o.token);
  read_field(j, "index", o.index);
  read_field(j, "warning", o.warning);
  return o;
}

template <class J, class S>
void visit_generation_stats(J& j, S& s, auto&& field, auto&& duration) {
  field(j, "prompt_tokens", s.prompt_tokens);
  field(j, "generated_tokens", s.generated_tokens);
  field(j, "prefill_runs", s.prefill_runs);
  field(j, "tbt_runs", s.tbt_runs);
  duration(j, "device_ttft_ns", s.device_ttft);
  duration(j, "device_decode_ns", s.device_decode);
  duration(j, "host_ttft_ns", s.host_ttft);
  duration(j, "host_decode_ns", s.host_decode);
  duration(j, "host_step_ns", s.host_step);
  duration(j, "queue_ns", s.queue);
  field(j, "device_cycles", s.device_cycles);
  field(j, "ddr_bytes", s.ddr_bytes);
  field(j, "decode_ddr_bytes", s.decode_ddr_bytes);
  field(j, "decode_cycles", s.decode_cycles);
  field(j, "decode_compute_cycles", s.decode_compute_cycles);
  field(j, "decode_dma_cycles", s.decode_dma_cycles);
  field(j, "device_energy_j", s.device_energy_j);
  field(j, "decode_energy_j", s.decode_energy_j);
  field(j, "recoveries", s.recoveries);
  duration(j, "recovery_ns", s.recovery_time);
  field(j, "cached_tokens", s.cached_tokens);
}

inline json to_json(const genai::GenerationStats& s) {
  json j = json::object();
  visit_generation_stats(
      j, s, [](json& out, const char* k, const auto& v) { out[k] = v; },
      [](json& out, const char* k, std::chrono::nanoseconds d) { out[k] = d.count(); });
  return j;
}

inline genai::GenerationStats generation_stats_from_json(const json& j) {
  genai::GenerationStats s;
  visit_generation_stats(
      j, s, [](const json& in, const char* k, auto& v) { read_field(in, k, v); },
      [](const json& in, const char* k, std::chrono::nanoseconds& d) {
        std::int64_t ns = 0;
        read_field(in, k, ns);
        d = std::chrono::nanoseconds(ns);
      });
  return s;
}

inline json to_json(const genai::LLMInfo& i) {
  return {{"name", i.name}, {"architecture", i.architecture}, {"synthetic", i.synthetic}, {"vocab", i.vocab},
          {"context_length", i.context_length}, {"prefill_chunk", i.prefill_chunk},
          {"weights_bytes", i.weights_bytes}, {"state_bytes", i.state_bytes},
          {"load_device_time_ns", i.load_device_time.count()}, {"load_host_time_ns", i.load_host_time.count()},
          {"text_only", i.text_only}};
}

inline genai::LLMInfo llm_info_from_json(const json& j) {
  genai::LLMInfo i;
  std::int64_t dev = 0, host = 0;
  read_field(j, "name", i.name);
  read_field(j, "architecture", i.architecture);
  read_field(j, "synthetic", i.synthetic);
  read_field(j, "vocab", i.vocab);
  read_field(j, "context_length", i.context_length);
  read_field(j, "prefill_chunk", i.prefill_chunk);
  read_field(j, "weights_bytes", i.weights_bytes);
  read_field(j, "state_bytes", i.state_bytes);
  read_field(j, "load_device_time_ns", dev);
  read_field(j, "load_host_time_ns", host);
  read_field(j, "text_only", i.text_only);
  i.load_device_time = std::chrono::nanoseconds(dev);
  i.load_host_time = std::chrono::nanoseconds(host);
  return i;
}

}  // namespace npu::npud
