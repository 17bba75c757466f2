#include "fuzz_input.hpp"

#include <unistd.h>

#include <fstream>

namespace npu::fuzz {

std::filesystem::path scratch_dir() {
  // Never destroyed: the exit handler that removes the directory runs after static destructors.
  static const std::filesystem::path* const dir = [] {
    const char* base = std::getenv("TMPDIR");
    auto* d = new std::filesystem::path(std::filesystem::path(base != nullptr && *base != '\0' ? base : "/tmp") /
                                        ("npu-fuzz-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*d);
    // Removed at exit (a fuzzer that crashes leaves it; it is one small directory).
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*dir, ec);
    });
    return d;
  }();
  return *dir;
}

std::filesystem::path write_scratch(std::string_view name, std::span<const std::byte> data) {
  const auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return path;
}

}  // namespace npu::fuzz
