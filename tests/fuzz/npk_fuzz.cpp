// The .npk container (common/npk): header, section table, CRCs, offsets; then the sections a
// runtime reads as data on their own: the tokenizer section and the metadata text.
#include "fuzz_input.hpp"
#include "npu/common/npk_reader.hpp"
#include "npu/common/tokenizer_data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto image = npu::fuzz::bytes(data, size);
  if (auto sections = npu::npk::NpkFile::parse(image)) {
    for (const auto& s : *sections) {
      npu::fuzz::require(s.bytes.data() >= image.data() &&
                         s.bytes.data() + s.bytes.size() <= image.data() + image.size());
      (void)npu::TokenizerData::parse(s.bytes);
    }
  }
  // The tokenizer section's own format, fuzzed directly too (it is behind a CRC in a file).
  if (auto tokenizer = npu::TokenizerData::parse(image)) {
    npu::fuzz::require(tokenizer->validate().has_value());
    auto again = npu::TokenizerData::parse(tokenizer->serialize());
    npu::fuzz::require(again.has_value() && *again == *tokenizer);
  }
  return 0;
}
