// WeightSource over Hugging Face safetensors shards, presenting GGUF names and ggml shapes (LFM2-MoE's
// per-expert matrices as the stacked [experts][out][in] tensors of GGUF).
#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "npu/compiler/model_weight_sources.hpp"
#include "npu/compiler/safetensors_reader.hpp"

namespace npu::compiler {

class SafetensorsWeightSource final : public WeightSource {
 public:
  struct Part {
    std::size_t shard = 0;
    std::string hf_name;
    TensorShape shape;  // ggml order
  };
  struct Entry {
    std::size_t shard;
    std::string hf_name;
    TensorShape shape;         // ggml order
    std::uint32_t permute_heads;  // > 0: Llama q/k rows reordered to interleaved RoPE pairs
    std::vector<Part> experts = {};  // LFM2-MoE: the per-expert matrices stacked into this tensor
  };

  SafetensorsWeightSource(ModelConfig config, std::vector<SafetensorsFile> shards)
      : config_(std::move(config)), shards_(std::move(shards)) {}

  Expected<void> index() {
    std::map<std::string, std::map<std::uint32_t, Part>> experts;  // stacked GGUF name -> expert -> matrix
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      for (const auto& [hf_name, t] : shards_[s].tensors()) {
        if (auto ex = hf_expert_tensor(config_.arch, hf_name)) {
          experts[ex->gguf_name][ex->expert] = Part{s, hf_name, TensorShape(t.shape.rbegin(), t.shape.rend())};
          continue;
        }
        auto name = hf_to_gguf_name(config_.arch, hf_name);
        if (!name) continue;  // e.g. rotary_emb.inv_freq: not a weight we use
        TensorShape shape(t.shape.rbegin(), t.shape.rend());  // PyTorch [out, in] -> ggml {in, out}
        if (name->ends_with("shortconv.conv.weight")) {
          std::erase(shape, std::uint64_t{1});  // HF {H, 1, K} -> ggml {K, H}
        }
        std::uint32_t heads = 0;
        if (config_.arch == Architecture::kLlama) {
          int layer = -1;
          if (std::sscanf(name->c_str(), "blk.%d.", &layer) == 1 && layer >= 0 &&
              static_cast<std::uint32_t>(layer) < config_.n_layers) {
            if (name->ends_with("attn_q.weight")) heads = config_.n_heads;
            if (name->ends_with("attn_k.weight")) heads = config_.kv_heads[static_cast<std::size_t>(layer)];
          }
        }
        if (entries_.contains(*name)) {
          return fail(ErrorCode::kBadFormat, fmt::format("tensor '{}' ({}) appears in two shards", *name, hf_name));
        }
        entries_.emplace(*name, Entry{s, hf_name, std::move(shape), heads});
      }
    }
    for (auto& [name, parts] : experts) NPU_TRY(stack_experts(name, parts));
    return {};
  }

  // One stacked tensor {in, out, E} from experts 0..E-1, each {in, out}: all present, one shape.
  Expected<void> stack_experts(const std::string& name, std::map<std::uint32_t, Part>& parts) {
    const std::uint32_t E = config_.n_experts;
    Entry e{parts.begin()->second.shard, parts.begin()->second.hf_name, {}, 0};
    const TensorShape first = parts.begin()->second.shape;
    for (std::uint32_t x = 0; x < E; ++x) {
      auto it = parts.find(x);
      if (it == parts.end()) {
        return fail(ErrorCode::kBadFormat, fmt::format("{}: expert {} of {} is missing for '{}' (feed_forward.experts.{})",
                                                       describe(), x, E, name, x));
      }
      if (it->second.shape.size() != 2 || it->second.shape != first) {
        return fail(ErrorCode::kBadFormat, fmt::format("{}: '{}' has shape {}, unlike the other experts' {}", describe(),
                                                       it->second.hf_name, format_shape(it->second.shape),
                                                       format_shape(first)));
      }
      e.experts.push_back(std::move(it->second));
    }
    if (parts.size() != E) {
      return fail(ErrorCode::kBadFormat, fmt::format("{}: '{}' has {} experts, the config {}", describe(), name,
                                                     parts.size(), E));
    }
    e.shape = first;
    e.shape.push_back(E);
    entries_.emplace(name, std::move(e));
    return {};
  }

  std::string describe() const override {
    return shards_.size() == 1 ? fmt::format("safetensors '{}'", shards_[0].path().string())
                               : fmt::format("{} safetensors shards in '{}'", shards_.size(),
                                             shards_[0].path().parent_path().string());
  }

  std::vector<std::string> tensor_names() const override {
    std::vector<std::string> names;
    for (const auto& [name, e] : entries_) names.push_back(name);
    return names;
  }

  Expected<TensorShape> shape(std::string_view name) const override {
    auto it = entries_.find(name);
    if (it == entries_.end()) return fail(ErrorCode::kNotFound, fmt::format("{} has no tensor for '{}'", describe(), name));
    return it->second.shape;
  }

  Expected<std::vector<float>> load(std::string_view name) const override {
    auto it = entries_.find(name);
    if (it == entries_.end()) return fail(ErrorCode::kNotFound, fmt::format("{} has no tensor for '{}'", describe(), name));
    const Entry& e = it->second;
    if (!e.experts.empty()) {
      std::vector<float> stacked;
      for (const Part& p : e.experts) {
        NPU_TRY_ASSIGN(std::vector<float> one, shards_[p.shard].load(p.hf_name));
        stacked.insert(stacked.end(), one.begin(), one.end());
      }
      return stacked;
    }
    NPU_TRY_ASSIGN(std::vector<float> values, shards_[e.shard].load(e.hf_name));
    if (e.permute_heads == 0) return values;
    return permute_rows(values, e);
  }

 private:
  // HF keeps each head's rotary halves apart (rows i and i + d/2 pair up); GGUF Llama interleaves
  // them (rows 2i and 2i+1): ggml row (h, 2i + j) = HF row (h, j*d/2 + i).
  Expected<std::vector<float>> permute_rows(const std::vector<float>& in, const Entry& e) const {
    const std::uint64_t cols = e.shape[0];
    const std::uint64_t rows = e.shape.size() > 1 ? e.shape[1] : 1;
    if (rows % e.permute_heads != 0 || (rows / e.permute_heads) % 2 != 0) {
      return fail(ErrorCode::kBadFormat, fmt::format("tensor '{}': {} rows do not split into {} heads of even size",
                                                     e.hf_name, rows, e.permute_heads));
    }
    const std::uint64_t d = rows / e.permute_heads, half = d / 2;
    std::vector<float> out(in.size());
    for (std::uint64_t h = 0; h < e.permute_heads; ++h) {
      for (std::uint64_t i = 0; i < half; ++i) {
        for (std::uint64_t j = 0; j < 2; ++j) {
          const std::uint64_t dst = h * d + 2 * i + j, src = h * d + j * half + i;
          std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(src * cols), cols,
                      out.begin() + static_cast<std::ptrdiff_t>(dst * cols));
        }
      }
    }
    return out;
  }

  ModelConfig config_;
  std::vector<SafetensorsFile> shards_;
  std::map<std::string, Entry, std::less<>> entries_;
};

Expected<std::unique_ptr<WeightSource>> open_safetensors_weights(
    const ModelConfig& config, const std::vector<std::filesystem::path>& shards) {
  if (shards.empty()) return fail(ErrorCode::kInvalidArgument, "no .safetensors files given");
  std::vector<SafetensorsFile> files;
  for (const auto& path : shards) {
    NPU_TRY_ASSIGN(SafetensorsFile f, SafetensorsFile::open(path));
    files.push_back(std::move(f));
  }
  auto source = std::make_unique<SafetensorsWeightSource>(config, std::move(files));
  NPU_TRY(source->index());
  return std::unique_ptr<WeightSource>(std::move(source));
}

}  // namespace npu::compiler
