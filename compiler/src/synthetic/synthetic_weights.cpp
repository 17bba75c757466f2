#include "npu/compiler/synthetic_weights.hpp"

#include <cmath>

#include <fmt/format.h>

namespace npu::compiler {
namespace {

// splitmix64: small, fast, and good enough for test weights.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  float uniform() { return static_cast<float>(next() >> 40) * (2.0f / 16777216.0f) - 1.0f; }

 private:
  std::uint64_t state_;
};

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

struct Distribution {
  float center;
  float half_width;  // uniform in [center - w, center + w]
};

// Uniform(-a, a) has standard deviation a / sqrt(3).
Distribution distribution_for(std::string_view name, const TensorShape& shape) {
  const float fan_in = static_cast<float>(shape[0]);
  const float unit = std::sqrt(3.0f);
  if (name.ends_with("norm.weight")) return {1.0f, 0.2f};
  if (name.ends_with(".bias")) return {0.0f, 0.2f};
  // Embedding and head rows with std 3/sqrt(hidden): logits get a std near 3 whatever the width,
  // and with a tied head the current token's own embedding does not dominate the residual stream
  // (which would make greedy decoding repeat the last token forever).
  if (name == "token_embd.weight" || name == "output.weight") return {0.0f, unit * 3.0f / std::sqrt(fan_in)};
  if (name.ends_with("shortconv.conv.weight")) return {0.0f, 0.8f};
  // Every projection keeps unit gain (output RMS ~ input RMS); with pre-norm blocks the residual
  // stream then grows only like sqrt(layers), and outweighs the embedding as in a trained model.
  return {0.0f, unit / std::sqrt(fan_in)};
}

}  // namespace

Expected<std::unique_ptr<SyntheticWeightSource>> SyntheticWeightSource::create(const ModelConfig& config,
                                                                               std::uint64_t seed) {
  NPU_TRY(config.validate());
  return std::unique_ptr<SyntheticWeightSource>(new SyntheticWeightSource(expected_tensors(config), seed));
}

std::string SyntheticWeightSource::describe() const { return fmt::format("synthetic weights (seed {})", seed_); }

std::vector<std::string> SyntheticWeightSource::tensor_names() const {
  std::vector<std::string> names;
  for (const TensorSpec& s : specs_) names.push_back(s.name);
  return names;
}

const TensorSpec* SyntheticWeightSource::find(std::string_view name) const noexcept {
  for (const TensorSpec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Expected<TensorShape> SyntheticWeightSource::shape(std::string_view name) const {
  const TensorSpec* s = find(name);
  if (s == nullptr) return fail(ErrorCode::kNotFound, fmt::format("{} has no tensor '{}'", describe(), name));
  return s->shape;
}

Expected<std::vector<float>> SyntheticWeightSource::load(std::string_view name) const {
  const TensorSpec* s = find(name);
  if (s == nullptr) return fail(ErrorCode::kNotFound, fmt::format("{} has no tensor '{}'", describe(), name));
  std::uint64_t n = 1;
  for (std::uint64_t d : s->shape) n *= d;
  const Distribution dist = distribution_for(name, s->shape);
  Rng rng(fnv1a(name) ^ (seed_ * 0x9e3779b97f4a7c15ull));
  std::vector<float> values(n);
  for (float& v : values) v = dist.center + dist.half_width * rng.uniform();
  return values;
}

Expected<LoadedModel> load_synthetic_model(const std::filesystem::path& config_json, std::uint64_t seed) {
  NPU_TRY_ASSIGN(ModelConfig config, model_config_from_hf_file(config_json));
  NPU_TRY_ASSIGN(std::unique_ptr<SyntheticWeightSource> weights, SyntheticWeightSource::create(config, seed));
  return LoadedModel{std::move(config), std::move(weights)};
}

}  // namespace npu::compiler
