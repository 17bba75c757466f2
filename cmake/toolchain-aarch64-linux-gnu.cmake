# Cross-compiling for 64-bit Arm Linux (Raspberry Pi 5 with Raspberry Pi OS / Debian 12 arm64) with
# Debian's crossbuild-essential-arm64 and the :arm64 -dev packages (multiarch). See
# scripts/cross-build-arm64.sh. Tests run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(NPU_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${NPU_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${NPU_CROSS_TRIPLET}-g++)

# Multiarch: arm64 libraries live in /usr/lib/aarch64-linux-gnu, headers in /usr/include.
set(CMAKE_LIBRARY_ARCHITECTURE ${NPU_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_FIND_ROOT_PATH / /usr/${NPU_CROSS_TRIPLET})

# pkg-config must see the arm64 .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${NPU_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Run target binaries (gtest discovery, ctest, build-time tools such as npu-mkfw) under qemu-user,
# without binfmt_misc (CI containers may lack it). The -L prefix must hold ONE consistent glibc:
# the :arm64 -dev packages pull in libc6:arm64 (multiarch, /lib/aarch64-linux-gnu, a newer Debian
# revision than the cross toolchain's own copy in /usr/aarch64-linux-gnu). With
# -L /usr/aarch64-linux-gnu the loader comes from the cross copy but libc.so.6 from the multiarch
# one (found through ld.so.cache), and every program hangs in its first pthread_create. So when
# the multiarch loader is installed, the prefix is / (loader, libc and libstdc++ all multiarch,
# as on the Pi); otherwise the cross toolchain's tree.
find_program(NPU_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(EXISTS /lib/${NPU_CROSS_TRIPLET}/ld-linux-aarch64.so.1)
  set(NPU_QEMU_LD_PREFIX /)
else()
  set(NPU_QEMU_LD_PREFIX /usr/${NPU_CROSS_TRIPLET})
endif()
if(NPU_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${NPU_QEMU_AARCH64} -L ${NPU_QEMU_LD_PREFIX})
endif()
