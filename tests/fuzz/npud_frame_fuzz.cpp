// npud's wire (runtime/src/remote/wire): a byte stream cut into frames (header checks, sizes,
// descriptor counts) fed in pieces as a socket delivers them, each frame's JSON body, and the
// decoders both ends apply to bodies (generation params and events, stats, identities).
#include "fuzz_input.hpp"
#include "wire/api_json.hpp"
#include "wire/frame.hpp"
#include "wire/llm_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks how the stream is cut into reads (1..256 bytes each).
  const std::size_t piece = static_cast<std::size_t>(data[0]) + 1;
  const auto stream = npu::fuzz::bytes(data + 1, size - 1);
  npu::npud::FrameParser parser;
  for (std::size_t off = 0; off < stream.size(); off += piece) {
    parser.feed(stream.subspan(off, std::min(piece, stream.size() - off)));
    for (;;) {
      auto frame = parser.next();
      if (!frame) return 0;  // malformed: the connection would be closed here
      if (!*frame) break;    // incomplete: wait for more bytes
      const npu::npud::Frame& f = **frame;
      npu::fuzz::require(f.json.size() == f.header.json_bytes &&
                         f.binary.size() == f.header.binary_bytes);
      auto body = f.body();
      if (!body) continue;
      using namespace npu::npud;
      (void)generator_params_from_json(*body);
      (void)output_from_json(*body);
      (void)generation_stats_from_json(*body);
      (void)llm_info_from_json(*body);
      (void)identity_from_json(*body);
      (void)stats_from_json(*body);
      (void)scheduler_stats_from_json(*body);
      (void)run_info_from_json(*body);
      (void)error_from_json(*body);
      // What the daemon sends back must parse again.
      const std::string echoed = dump_json(*body);
      npu::fuzz::require(nlohmann::json::accept(echoed));
    }
  }
  return 0;
}
