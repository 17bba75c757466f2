// npu-mkfw: writes the firmware image (header + manifest payload) the driver uploads at boot.
//   npu-mkfw --output build/firmware/npustack-fw.bin --version 0.1.0 --build-id 0.1.0-abcdef
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "npu/common/file.hpp"
#include "npu/firmware/fw_image.hpp"
#include "npu_abi/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Write the npustack firmware image"};
  std::string output, version = "0.1.0", build_id;
  app.add_option("-o,--output", output, "image file to write")->required();
  app.add_option("--version", version, "firmware version major.minor.patch");
  app.add_option("--build-id", build_id, "build identifier (at most 15 characters kept)");
  CLI11_PARSE(app, argc, argv);

  unsigned major = 0, minor = 0, patch = 0;
  char extra = 0;
  if (std::sscanf(version.c_str(), "%u.%u.%u%c", &major, &minor, &patch, &extra) != 3 || major > 255 ||
      minor > 255 || patch > 255) {
    std::fprintf(stderr, "npu-mkfw: --version '%s' must be major.minor.patch, each 0..255\n", version.c_str());
    return 2;
  }
  auto manifest = npu::fw::FirmwareManifest::current(npu::abi::make_fw_version(
      static_cast<std::uint8_t>(major), static_cast<std::uint8_t>(minor), static_cast<std::uint8_t>(patch)));
  if (build_id.empty()) build_id = version;
  auto image = npu::fw::build_firmware_image(manifest, build_id);
  if (auto ok = npu::write_file_atomic(output, image); !ok) {
    std::fprintf(stderr, "npu-mkfw: %s\n", ok.error().what().c_str());
    return 1;
  }
  return 0;
}
