// The small-network compiler: JSON errors, quantization, requantization, program and metadata.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "npu/common/npk_reader.hpp"
#include "npu/compiler/net_compiler.hpp"
#include "npu/compiler/net_reference.hpp"
#include "npu/compiler/net_spec.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/program.hpp"
#include "npu_abi/version.hpp"

using namespace npu;
using namespace npu::compiler::net;

namespace {

constexpr const char* kSmall = R"({
  "name": "small", "seed": 7,
  "input": {"name": "x", "shape": [3, 16], "scale": 0.05},
  "layers": [
    {"type": "dense", "units": 24, "activation": "relu"},
    {"type": "dense", "units": 5}
  ]})";

std::string error_of(std::string_view text) {
  auto r = parse_net_spec(text, "t.json");
  EXPECT_FALSE(r.has_value()) << text;
  return r ? "" : r.error().message();
}

}  // namespace

TEST(NetSpec, ParsesShapesAndDefaults) {
  auto s = parse_net_spec(kSmall, "t.json");
  ASSERT_TRUE(s.has_value()) << s.error().what();
  EXPECT_EQ(s->batch, 3u);
  EXPECT_EQ(s->input_features, 16u);
  EXPECT_EQ(s->input_name, "x");
  EXPECT_EQ(s->output_name, "output");
  ASSERT_EQ(s->layers.size(), 2u);
  EXPECT_EQ(s->layers[0].activation, Activation::kRelu);
  EXPECT_EQ(s->layers[1].activation, Activation::kNone);
  EXPECT_EQ(s->layers[1].name, "dense1");
}

TEST(NetSpec, ErrorsNameTheFieldAndExpectation) {
  EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"layers": []})").find("input: missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"input": {"shape": [0]}, "layers": [{"type":"dense","units":1}]})")
                .find("input.shape[0]"), std::string::npos);
  EXPECT_NE(error_of(R"({"input": {"shape": [4]}, "layers": []})").find("layers"), std::string::npos);
  std::string e = error_of(R"({"input": {"shape": [4]}, "layers": [{"type":"conv","units":1}]})");
  EXPECT_NE(e.find("layers[0].type"), std::string::npos) << e;
  EXPECT_NE(e.find("\"dense\""), std::string::npos) << e;
  e = error_of(R"({"input": {"shape": [4]}, "layers": [{"type":"dense","units":"many"}]})");
  EXPECT_NE(e.find("layers[0].units: expected a non-negative integer"), std::string::npos) << e;
  e = error_of(R"({"input": {"shape": [4]}, "layers": [{"type":"dense","units":2,"activation":"gelu"}]})");
  EXPECT_NE(e.find("layers[0].activation"), std::string::npos) << e;
  e = error_of(R"({"input": {"shape": [2]}, "layers": [{"type":"dense","units":2,"weights":[[1,2],[3]]}]})");
  EXPECT_NE(e.find("layers[0].weights[1]"), std::string::npos) << e;
  e = error_of(R"({"input": {"shape": [2], "scale": -1}, "layers": [{"type":"dense","units":2}]})");
  EXPECT_NE(e.find("input.scale"), std::string::npos) << e;
  e = error_of(R"({"input": {"shape": [2]}, "layers": [{"type":"dense","units":2,"bogus":1}]})");
  EXPECT_NE(e.find("layers[0].bogus: unknown field"), std::string::npos) << e;
}

TEST(NetSpec, MissingFileIsNotFound) {
  auto r = load_net_spec("/nonexistent/net.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST(Requant, RoundHalfUpAndClamp) {
  // multiplier 2^30, shift 0 => x * 0.5, rounded half up.
  const std::int32_t half = 1 << 30;
  EXPECT_EQ(requantize(3, half, 0, 0), 2);    // 1.5 -> 2
  EXPECT_EQ(requantize(-3, half, 0, 0), -1);  // -1.5 -> -1 (half up)
  EXPECT_EQ(requantize(1000, half, 0, 0), 127);
  EXPECT_EQ(requantize(-1000, half, 0, 0), -128);
  EXPECT_EQ(requantize(4, half, 1, 5), 6);    // 4 * 0.25 + 5
}

TEST(Requant, ChoosesCloseMultiplier) {
  for (double m : {0.9999, 0.5, 0.3, 1e-3, 1.234e-7}) {
    auto r = choose_requant(m);
    ASSERT_TRUE(r.has_value());
    EXPECT_GE(r->shift, 0);
    EXPECT_LE(r->shift, 31);
    double got = r->multiplier / std::ldexp(1.0, 31 + r->shift);
    EXPECT_NEAR(got / m, 1.0, 1e-8) << m;
  }
  EXPECT_FALSE(choose_requant(1.0).has_value());
  EXPECT_FALSE(choose_requant(0.0).has_value());
}

TEST(NetCompiler, QuantizesExplicitWeightsExactly) {
  auto s = parse_net_spec(R"({"input": {"shape": [1, 2], "scale": 0.5},
      "layers": [{"type":"dense","units":2,"weights":[[1.0,-0.5],[0.25,0.0]],"bias":[0.5,-1.0],
                  "output_scale": 0.25}]})", "t.json");
  ASSERT_TRUE(s.has_value()) << s.error().what();
  auto net = compile_net(*s);
  ASSERT_TRUE(net.has_value()) << net.error().what();
  const auto& q = net->layers[0];
  EXPECT_FLOAT_EQ(q.weight_scale, 1.0f / 127);
  EXPECT_EQ(q.weights, (std::vector<std::int8_t>{127, -64, 32, 0}));  // -63.5 rounds to even
  // bias in accumulator units: b / (0.5 / 127)
  EXPECT_EQ(q.bias, (std::vector<std::int32_t>{127, -254}));
  // x = [2, 4] (real [1, 2]): y = [1*1 - 0.5*2 + 0.5, 0.25 - 1] = [0.5, -0.75] -> /0.25 = [2, -3]
  auto y = reference_forward(*net, std::vector<std::int8_t>{2, 4});
  ASSERT_TRUE(y.has_value());
  EXPECT_EQ(*y, (std::vector<std::int8_t>{2, -3}));
}

TEST(NetCompiler, ProgramAndLayoutFollowTheAbi) {
  auto s = parse_net_spec(kSmall, "t.json");
  auto net = compile_net(*s);
  ASSERT_TRUE(net.has_value()) << net.error().what();
  ::npu::abi::ProgramHeader h;
  ASSERT_GE(net->program.size(), sizeof(h));
  std::memcpy(&h, net->program.data(), sizeof(h));
  EXPECT_EQ(h.magic, ::npu::abi::kProgramMagic);
  EXPECT_EQ(h.num_ops, 2u);
  ASSERT_EQ(net->program.size(), sizeof(h) + 2 * sizeof(::npu::abi::OpDesc));
  ::npu::abi::OpDesc ops[2];
  std::memcpy(ops, net->program.data() + sizeof(h), sizeof(ops));
  EXPECT_EQ(ops[0].opcode, static_cast<std::uint16_t>(::npu::abi::OpCode::kGemmI8));
  EXPECT_EQ(ops[0].dims[0], 3u);
  EXPECT_EQ(ops[0].dims[1], 16u);
  EXPECT_EQ(ops[0].dims[2], 24u);
  EXPECT_EQ(ops[0].params[3], 1);  // relu
  EXPECT_EQ(ops[1].params[3], 0);
  EXPECT_EQ(ops[0].operands[0].segment, static_cast<std::uint8_t>(::npu::abi::Segment::kIo));
  EXPECT_EQ(ops[0].operands[3].segment, static_cast<std::uint8_t>(::npu::abi::Segment::kScratch));
  EXPECT_EQ(ops[1].operands[0].segment, static_cast<std::uint8_t>(::npu::abi::Segment::kScratch));
  EXPECT_EQ(ops[1].operands[0].offset, ops[0].operands[3].offset);
  EXPECT_EQ(ops[1].operands[3].segment, static_cast<std::uint8_t>(::npu::abi::Segment::kIo));
  for (const auto& op : ops) {
    EXPECT_GT(op.params[0], 0);
    std::uint64_t w_end = op.operands[1].offset + std::uint64_t{op.dims[1]} * op.dims[2];
    EXPECT_LE(w_end, net->weights_image.size());
    EXPECT_LE(op.operands[2].offset + 4ull * op.dims[2], net->weights_image.size());
  }
  EXPECT_GE(net->io_bytes, net->output_offset + 3 * 5);
  EXPECT_GE(net->output_offset, 3u * 16);
  auto meta = nlohmann::json::parse(net->metadata_json);
  EXPECT_EQ(meta["inputs"][0]["name"], "x");
  EXPECT_EQ(meta["inputs"][0]["shape"], nlohmann::json::array({3, 16}));
  EXPECT_EQ(meta["outputs"][0]["offset"], net->output_offset);
  EXPECT_EQ(meta["segments"]["weights"], net->weights_image.size());
}

TEST(NetCompiler, DeterministicFromSeed) {
  auto s = parse_net_spec(kSmall, "t.json");
  auto a = compile_net(*s), b = compile_net(*s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->weights_image, b->weights_image);
  EXPECT_EQ(a->program, b->program);
  s->seed = 8;
  auto c = compile_net(*s);
  EXPECT_NE(a->weights_image, c->weights_image);
}

// The int8 path must track the float network: error within a few output quanta.
TEST(NetCompiler, QuantizedOutputTracksFloat) {
  auto s = parse_net_spec(kSmall, "t.json");
  auto net = compile_net(*s);
  ASSERT_TRUE(net.has_value());
  std::mt19937 rng(1);
  std::vector<std::int8_t> xq(3 * 16);
  std::vector<float> xf(xq.size());
  for (std::size_t i = 0; i < xq.size(); ++i) {
    xq[i] = static_cast<std::int8_t>(static_cast<int>(rng() % 255) - 127);
    xf[i] = xq[i] * s->input_scale;
  }
  auto yq = reference_forward(*net, xq);
  auto yf = float_forward(*net, xf);
  ASSERT_TRUE(yq && yf);
  const float out_scale = net->layers.back().output_scale;
  for (std::size_t i = 0; i < yq->size(); ++i) {
    EXPECT_NEAR((*yq)[i] * out_scale, (*yf)[i], 4 * out_scale) << i;
  }
  EXPECT_FALSE(reference_forward(*net, std::vector<std::int8_t>(5)).has_value());
}

TEST(NetCompiler, WritesReadableNpk) {
  auto s = parse_net_spec(kSmall, "t.json");
  auto net = compile_net(*s);
  ASSERT_TRUE(net.has_value());
  auto path = std::filesystem::temp_directory_path() / ("net_test_" + std::to_string(::getpid()) + ".npk");
  ASSERT_TRUE(write_npk(*net, path).has_value());
  auto f = npk::NpkFile::open(path);
  ASSERT_TRUE(f.has_value()) << f.error().what();
  EXPECT_EQ(f->abi_version(), ::npu::abi::kAbiVersion);
  EXPECT_EQ(*f->metadata(), net->metadata_json);
  const auto* p = f->find(npk::SectionType::kProgram, "main");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(std::equal(p->bytes.begin(), p->bytes.end(), net->program.begin(), net->program.end()));
  std::filesystem::remove(path);
}

TEST(NetCompiler, RejectsImpossibleOutputScale) {
  auto s = parse_net_spec(R"({"input": {"shape": [2], "scale": 1.0},
      "layers": [{"type":"dense","units":1,"weights":[[1.0, 1.0]],"output_scale": 0.0001}]})", "t.json");
  ASSERT_TRUE(s.has_value()) << s.error().what();
  auto net = compile_net(*s);
  ASSERT_FALSE(net.has_value());
  EXPECT_NE(net.error().message().find("output_scale"), std::string::npos) << net.error().what();
}
