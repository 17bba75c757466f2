// LLM context files (LLM::save_context / load_context; npud receives them from its clients): the
// header, the sizes it announces, the checkpoint table. The input is parsed as it is, then with
// its own checksum stamped into the header (a checksum mismatch would stop most inputs at the
// door); a file that parses is written again and parses to the same context.
#include <cstddef>
#include <cstring>
#include <vector>

#include "fuzz_input.hpp"
#include "local/llm/context_file.hpp"
#include "npu/common/checksum.hpp"

using npu::genai::detail::ContextFileHeader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = npu::fuzz::bytes(data, size);
  (void)npu::genai::detail::parse_context_file(input, "input");
  std::vector<std::byte> file(input.begin(), input.end());
  if (file.size() >= sizeof(ContextFileHeader)) {
    const std::uint32_t crc = npu::crc32(std::span<const std::byte>(file).subspan(sizeof(ContextFileHeader)));
    std::memcpy(file.data() + offsetof(ContextFileHeader, crc32), &crc, sizeof crc);
  }
  auto parsed = npu::genai::detail::parse_context_file(file, "input");
  if (!parsed) {
    npu::fuzz::require(parsed.error().code() == npu::ErrorCode::kBadFormat);
    return 0;
  }
  const auto again = npu::genai::detail::parse_context_file(npu::genai::detail::serialize_context(*parsed), "again");
  npu::fuzz::require(again.has_value() && *again == *parsed);
  return 0;
}
