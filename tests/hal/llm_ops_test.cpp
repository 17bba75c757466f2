// LLM ops end to end through hal: programs built from program.hpp ops run on the simulated device
// and give what the kernels give on the host (operand marshaling, segments, rows from the run
// parameters, state kept across runs), and run-time failures answer kExecError with the op index.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>

#include "llm_kernels.hpp"
#include "npu/firmware/program.hpp"
#include "sim_host.hpp"

namespace npu::test {
namespace {

using abi::DType;
using abi::MboxOpcode;
using abi::MboxStatus;
using abi::OpCode;
using abi::Segment;

constexpr std::uint64_t kBase[4] = {1 << 20, 2 << 20, 3 << 20, 4 << 20}, kSize = 1 << 20;

template <class T>
std::vector<std::byte> raw(const std::vector<T>& v) {
  std::vector<std::byte> out(v.size() * sizeof(T));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}
template <class T>
std::vector<T> fetch(SimHost& host, Segment seg, std::uint64_t off, std::size_t count) {
  std::vector<std::byte> b(count * sizeof(T));
  EXPECT_TRUE(host.read(kBase[static_cast<int>(seg)] + off, b));
  std::vector<T> out(count);
  std::memcpy(out.data(), b.data(), b.size());
  return out;
}
template <class T>
void put(SimHost& host, Segment seg, std::uint64_t off, const std::vector<T>& v) {
  EXPECT_TRUE(host.write(kBase[static_cast<int>(seg)] + off, raw(v)));
}

abi::OpDesc op(OpCode code, std::initializer_list<std::uint32_t> dims, std::uint16_t flags = abi::kRowsFromParam) {
  abi::OpDesc o{};
  o.opcode = static_cast<std::uint16_t>(code);
  o.flags = flags;
  std::size_t i = 0;
  for (auto d : dims) o.dims[i++] = d;
  for (auto& x : o.operands) x = fw::absent_operand();
  return o;
}
abi::Operand at(Segment s, DType t, std::uint64_t off) { return fw::make_operand(s, t, off); }
std::int32_t fbits(float f) { return std::bit_cast<std::int32_t>(f); }

std::vector<float> randf(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

struct Device {
  std::unique_ptr<SimHost> host;
  Device() : host(SimHost::open()) {
    if (host && host->boot().value_or(abi::DeviceState::kFaulted) != abi::DeviceState::kAlive) host.reset();
  }
  MboxStatus load(std::uint32_t id, std::span<const abi::OpDesc> ops) {
    auto program = fw::encode_program(ops);
    EXPECT_TRUE(host->write(0, program));
    abi::LoadContextRequest req{};
    req.context_id = id;
    req.num_segments = 4;
    req.program_size = program.size();
    for (int i = 0; i < 4; ++i) req.segment_base[i] = kBase[i], req.segment_size[i] = kSize;
    return host->call(MboxOpcode::kLoadContext, req)->status;
  }
  MboxReply run(std::uint32_t id, std::int32_t position, std::int32_t tokens) {
    abi::RunRequest r{};
    r.context_id = id;
    r.params[abi::kParamPosition] = position;
    r.params[abi::kParamTokens] = tokens;
    return *host->call(MboxOpcode::kRun, r);
  }
};

TEST(LlmOps, EmbedNormQuantizeLinearAddArgmax) {
  Device dev;
  ASSERT_TRUE(dev.host);
  std::mt19937 rng(21);
  const std::uint32_t rows = 4, d = 16, v = 10, n = 12;
  auto table = randf(v * d, rng), norm_w = randf(d, rng), bias = randf(n, rng), scales = randf(n, rng);
  std::vector<std::int8_t> w(n * d);
  for (auto& x : w) x = static_cast<std::int8_t>(rng() % 255 - 127);
  const std::vector<std::int32_t> ids = {3, 9, 0, 7};
  put(*dev.host, Segment::kIo, 0, ids);
  put(*dev.host, Segment::kWeights, 0, table);
  put(*dev.host, Segment::kWeights, 0x1000, norm_w);
  put(*dev.host, Segment::kWeights, 0x2000, w);
  put(*dev.host, Segment::kWeights, 0x3000, scales);
  put(*dev.host, Segment::kWeights, 0x3100, bias);

  std::vector<abi::OpDesc> ops;
  auto o = op(OpCode::kEmbed, {rows, d, v});
  o.operands[0] = at(Segment::kIo, DType::kI32, 0), o.operands[1] = at(Segment::kWeights, DType::kF32, 0);
  o.operands[3] = at(Segment::kScratch, DType::kF32, 0);
  ops.push_back(o);
  o = op(OpCode::kRmsNorm, {rows, d});
  o.operands[0] = at(Segment::kScratch, DType::kF32, 0), o.operands[1] = at(Segment::kWeights, DType::kF32, 0x1000);
  o.operands[3] = at(Segment::kScratch, DType::kF32, 0x1000), o.params[0] = fbits(1e-5f);
  ops.push_back(o);
  o = op(OpCode::kQuantize, {rows, d});
  o.operands[0] = at(Segment::kScratch, DType::kF32, 0x1000), o.operands[3] = at(Segment::kScratch, DType::kI8, 0x2001);
  o.params[0] = fbits(40.0f);
  ops.push_back(o);
  o = op(OpCode::kLinear, {rows, d, n, 0});
  o.operands[0] = at(Segment::kScratch, DType::kI8, 0x2001), o.operands[1] = at(Segment::kWeights, DType::kI8, 0x2000);
  o.operands[2] = at(Segment::kWeights, DType::kF32, 0x3000), o.operands[3] = at(Segment::kScratch, DType::kF32, 0x3000);
  o.params[0] = fbits(0.025f);
  ops.push_back(o);
  o = op(OpCode::kAdd, {rows, n}, abi::kRowsFromParam | abi::kBroadcastB);
  o.operands[0] = at(Segment::kScratch, DType::kF32, 0x3000), o.operands[1] = at(Segment::kWeights, DType::kF32, 0x3100);
  o.operands[3] = at(Segment::kScratch, DType::kF32, 0x3000);  // in place
  ops.push_back(o);
  o = op(OpCode::kCopyRow, {rows, n * 4});
  o.operands[0] = at(Segment::kScratch, DType::kF32, 0x3000), o.operands[3] = at(Segment::kIo, DType::kF32, 0x100);
  o.params[0] = -1;
  ops.push_back(o);
  o = op(OpCode::kArgmax, {rows, n});
  o.operands[0] = at(Segment::kScratch, DType::kF32, 0x3000), o.operands[3] = at(Segment::kIo, DType::kI32, 0x200);
  ops.push_back(o);
  ASSERT_EQ(dev.load(0, ops), MboxStatus::kOk);
  auto r = dev.run(0, 0, 3);  // only 3 of the 4 rows are valid
  ASSERT_EQ(r.status, MboxStatus::kOk);
  EXPECT_EQ(r.payload<abi::RunResponse>().ops_executed, ops.size());

  // The same chain on the host.
  const std::size_t used = 3;
  std::vector<float> emb(used * d), normed(used * d), lin(used * n);
  std::vector<std::int8_t> q(used * d);
  ASSERT_TRUE(sim::embed(ids.data(), table.data(), sim::TableType::kF32, nullptr, emb.data(), used, d, v));
  sim::rms_norm(emb.data(), norm_w.data(), normed.data(), used, d, 1e-5f);
  sim::quantize(normed.data(), q.data(), q.size(), 40.0f);
  sim::linear_int(q.data(), reinterpret_cast<const std::uint8_t*>(w.data()), false, scales.data(), lin.data(), used, d, n,
                  0, 0.025f);
  sim::add(lin.data(), bias.data(), lin.data(), used, n, true);
  std::vector<std::int32_t> am(used);
  sim::argmax(lin.data(), am.data(), used, n);

  EXPECT_EQ(fetch<float>(*dev.host, Segment::kScratch, 0x3000, used * n), lin);
  EXPECT_EQ(fetch<float>(*dev.host, Segment::kScratch, 0x3000 + used * n * 4, n), std::vector<float>(n, 0.0f));
  EXPECT_EQ(fetch<float>(*dev.host, Segment::kIo, 0x100, n), std::vector<float>(lin.end() - n, lin.end()));
  EXPECT_EQ(fetch<std::int32_t>(*dev.host, Segment::kIo, 0x200, used), am);

  // An embedding id out of range fails the run at op 0.
  put(*dev.host, Segment::kIo, 0, std::vector<std::int32_t>{10});
  r = dev.run(0, 0, 1);
  EXPECT_EQ(r.status, MboxStatus::kExecError);
  EXPECT_EQ(r.payload<abi::RunResponse>().failed_op, 0u);
}

TEST(LlmOps, ConvStateAndKvCacheAcrossRuns) {
  Device dev;
  ASSERT_TRUE(dev.host);
  std::mt19937 rng(4);
  const std::uint32_t d = 8, l = 3, heads = 2, kvh = 1, hd = 8, cap = 4;
  auto conv_w = randf(d * l, rng);
  put(*dev.host, Segment::kWeights, 0, conv_w);
  std::vector<abi::OpDesc> ops;
  auto o = op(OpCode::kShortConv, {2, d, l});
  o.operands[0] = at(Segment::kIo, DType::kF32, 0), o.operands[1] = at(Segment::kWeights, DType::kF32, 0);
  o.operands[2] = at(Segment::kState, DType::kF32, 0), o.operands[3] = at(Segment::kIo, DType::kF32, 0x1000);
  ops.push_back(o);
  o = op(OpCode::kRope, {2, heads, hd});  // q
  o.operands[0] = at(Segment::kIo, DType::kF32, 0x2000), o.params[0] = fbits(10000.0f);
  ops.push_back(o);
  o = op(OpCode::kRope, {2, kvh, hd});  // k
  o.operands[0] = at(Segment::kIo, DType::kF32, 0x3000), o.params[0] = fbits(10000.0f);
  ops.push_back(o);
  o = op(OpCode::kKvAppend, {2, kvh, hd, cap});
  o.operands[0] = at(Segment::kIo, DType::kF32, 0x3000), o.operands[1] = at(Segment::kIo, DType::kF32, 0x4000);
  o.operands[2] = at(Segment::kState, DType::kF16, 0x1000);
  ops.push_back(o);
  o = op(OpCode::kAttention, {2, heads, kvh, hd, cap});
  o.operands[0] = at(Segment::kIo, DType::kF32, 0x2000), o.operands[2] = at(Segment::kState, DType::kF16, 0x1000);
  o.operands[3] = at(Segment::kIo, DType::kF32, 0x5000), o.params[0] = fbits(0.3f);
  ops.push_back(o);
  o = op(OpCode::kSwiGlu, {2, heads * hd});
  o.operands[0] = at(Segment::kIo, DType::kF32, 0x5000), o.operands[1] = at(Segment::kIo, DType::kF32, 0x2000);
  o.operands[3] = at(Segment::kIo, DType::kF32, 0x6000);
  ops.push_back(o);
  ASSERT_EQ(dev.load(1, ops), MboxStatus::kOk);

  std::vector<float> state(d * (l - 1), 0.0f);
  std::vector<std::uint16_t> cache(2 * cap * kvh * hd, 0);
  std::int32_t pos = 0;
  for (std::int32_t tokens : {2, 1}) {  // a prefill chunk of 2, then one decode step
    auto in = randf(2 * 3 * d, rng), q = randf(2 * heads * hd, rng), k = randf(2 * kvh * hd, rng), v = randf(2 * kvh * hd, rng);
    put(*dev.host, Segment::kIo, 0, in);
    put(*dev.host, Segment::kIo, 0x2000, q);
    put(*dev.host, Segment::kIo, 0x3000, k);
    put(*dev.host, Segment::kIo, 0x4000, v);
    ASSERT_EQ(dev.run(1, pos, tokens).status, MboxStatus::kOk);
    std::vector<float> conv(tokens * d), att(tokens * heads * hd), act(tokens * heads * hd);
    sim::short_conv(in.data(), conv_w.data(), state.data(), conv.data(), tokens, d, l);
    sim::rope(q.data(), tokens, heads, hd, 10000.0f, nullptr, pos);
    sim::rope(k.data(), tokens, kvh, hd, 10000.0f, nullptr, pos);
    ASSERT_TRUE(sim::kv_append(k.data(), v.data(), cache.data(), sim::TableType::kF16, tokens, kvh, hd, cap, pos));
    ASSERT_TRUE(sim::attention(q.data(), cache.data(), sim::TableType::kF16, att.data(), tokens, heads, kvh, hd, cap, pos, 0.3f));
    sim::swiglu(att.data(), q.data(), act.data(), act.size());
    EXPECT_EQ(fetch<float>(*dev.host, Segment::kIo, 0x1000, conv.size()), conv) << "position " << pos;
    EXPECT_EQ(fetch<float>(*dev.host, Segment::kState, 0, state.size()), state);
    EXPECT_EQ(fetch<std::uint16_t>(*dev.host, Segment::kState, 0x1000, cache.size()), cache);
    EXPECT_EQ(fetch<float>(*dev.host, Segment::kIo, 0x6000, act.size()), act);
    pos += tokens;
  }
  // Position 4 is beyond the cache of 4: the run fails at the KV append (op 3).
  auto r = dev.run(1, 4, 1);
  EXPECT_EQ(r.status, MboxStatus::kExecError);
  EXPECT_EQ(r.payload<abi::RunResponse>().failed_op, 3u);
}

}  // namespace
}  // namespace npu::test
