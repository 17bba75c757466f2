# Installation and packaging of npustack, included once from the top-level CMakeLists.txt after
# every target exists. Per-folder install() lines (tools, firmware image, profiles) stay where
# they are; this file adds: libraries + public headers + CMake package config + pkg-config file
# (component "dev"), the udev rule and the npud systemd unit, and the CPack Debian packages.
include(CMakePackageConfigHelpers)

# --- libraries and headers: find_package(npustack) -> npustack::runtime --------------------------
# npu_runtime and every npustack library it links, found by walking the link graph (static
# libraries carry their private dependencies into the export, so all of them are installed).
function(npu_collect_link_closure target out)
  set(seen ${${out}})
  if(target IN_LIST seen OR NOT TARGET ${target})
    return()
  endif()
  get_target_property(imported ${target} IMPORTED)
  if(imported OR NOT target MATCHES "^npu_")
    return()
  endif()
  list(APPEND seen ${target})
  get_target_property(type ${target} TYPE)
  set(deps "")
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(deps ${target} LINK_LIBRARIES)
  endif()
  get_target_property(interface_deps ${target} INTERFACE_LINK_LIBRARIES)
  foreach(dep IN LISTS deps interface_deps)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
    if(dep AND NOT dep MATCHES "NOTFOUND$")
      npu_collect_link_closure(${dep} seen)
    endif()
  endforeach()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()
set(NPU_EXPORTED_LIBS "")
npu_collect_link_closure(npu_runtime NPU_EXPORTED_LIBS)
foreach(lib ${NPU_EXPORTED_LIBS})
  string(REGEX REPLACE "^npu_" "" export_name ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${export_name})
  # Plain source-tree include paths are build-only (an installed consumer uses include/): wrap
  # them so the export stays valid even when a folder forgot $<BUILD_INTERFACE:...>.
  get_target_property(dirs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
  if(dirs)
    set(wrapped "")
    foreach(dir IN LISTS dirs)
      if(dir MATCHES "^\\$<")
        list(APPEND wrapped "${dir}")
      else()
        list(APPEND wrapped "$<BUILD_INTERFACE:${dir}>")
      endif()
    endforeach()
    set_target_properties(${lib} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
  endif()
endforeach()
install(TARGETS ${NPU_EXPORTED_LIBS} EXPORT npustackTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
# The SDK's headers: the runtime's public API, which owns its types, and the two common headers
# it includes (the error type; the tokenizer's data). Driver, hal and device-ABI headers are
# internals of the libraries, not part of the SDK.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_SOURCE_DIR}/common/include/npu/common/error.hpp
              ${PROJECT_SOURCE_DIR}/common/include/npu/common/tokenizer_data.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/npu/common COMPONENT dev)

set(NPU_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/npustack)
# Built with the HailoRT backend: consumers find HailoRT too (npustackConfig.cmake.in).
set(NPU_HAILORT_DEPENDENCY "")
if(NPU_HAVE_HAILORT)
  set(NPU_HAILORT_DEPENDENCY "find_dependency(HailoRT 5.2)")
endif()
install(EXPORT npustackTargets NAMESPACE npustack:: DESTINATION ${NPU_CMAKE_INSTALL_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/npustackConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/packaging/npustackConfig.cmake
                              INSTALL_DESTINATION ${NPU_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/packaging/npustackConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/packaging/npustackConfig.cmake
              ${CMAKE_BINARY_DIR}/packaging/npustackConfigVersion.cmake
        DESTINATION ${NPU_CMAKE_INSTALL_DIR} COMPONENT dev)
# The static libraries for npustack.pc, in a link group (their order then does not matter).
set(NPU_PC_LIBS "")
foreach(lib ${NPU_EXPORTED_LIBS})
  get_target_property(type ${lib} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    string(APPEND NPU_PC_LIBS " -l${lib}")
  endif()
endforeach()
if(NPU_HAVE_HAILORT)
  string(APPEND NPU_PC_LIBS " -lhailort")  # the HailoRT backend links HailoRT's shared library
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/npustack.pc.in ${CMAKE_BINARY_DIR}/packaging/npustack.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/npustack.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# --- udev rule and systemd unit (system directories from udev.pc / systemd.pc) -----------------
function(npu_pkg_variable out module variable fallback)
  execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --variable=${variable} ${module}
                  OUTPUT_VARIABLE value OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR value STREQUAL "")
    set(value ${fallback})
  endif()
  set(${out} ${value} PARENT_SCOPE)
endfunction()
npu_pkg_variable(NPU_UDEVDIR_DEFAULT udev udevdir /usr/lib/udev)
npu_pkg_variable(NPU_UNITDIR_DEFAULT systemd systemdsystemunitdir /usr/lib/systemd/system)
set(NPU_UDEV_RULES_DIR ${NPU_UDEVDIR_DEFAULT}/rules.d CACHE PATH "Where 70-npustack.rules is installed")
set(NPU_SYSTEMD_UNIT_DIR ${NPU_UNITDIR_DEFAULT} CACHE PATH "Where npud.service is installed")
install(FILES ${PROJECT_SOURCE_DIR}/udev/70-npustack.rules DESTINATION ${NPU_UDEV_RULES_DIR})
# The rule's PROGRAM helper, in udev's own directory (where udev looks for relative PROGRAMs).
get_filename_component(NPU_UDEV_HELPER_DIR ${NPU_UDEV_RULES_DIR} DIRECTORY)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/udev/npu-vfio-group DESTINATION ${NPU_UDEV_HELPER_DIR})
configure_file(${CMAKE_CURRENT_LIST_DIR}/npud.service.in ${CMAKE_BINARY_DIR}/packaging/npud.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/npud.service DESTINATION ${NPU_SYSTEMD_UNIT_DIR})
configure_file(${CMAKE_CURRENT_LIST_DIR}/npu-serve.service.in ${CMAKE_BINARY_DIR}/packaging/npu-serve.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/npu-serve.service DESTINATION ${NPU_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/hardware.md ${PROJECT_SOURCE_DIR}/docs/raspberry-pi.md
              ${PROJECT_SOURCE_DIR}/docs/serving.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)

# --- Debian packages: `cpack -G DEB` in a build tree -> npustack_<v>_<arch>.deb (tools, firmware
# image, profiles, udev rule, unit; creates the npu group) and libnpustack-dev (libraries,
# headers, CMake/pkg-config files). Works the same in the arm64 cross build.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME npustack)
set(CPACK_PACKAGE_VENDOR npustack)
set(CPACK_PACKAGE_CONTACT "npustack maintainers <npustack@invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Open user-space driver stack for Hailo-10H-class NPUs, with a simulator")
# The binaries look for their firmware and profiles where this build installs them
# (CMAKE_INSTALL_PREFIX, compiled in), so the package must install there too. Debian packages
# belong under /usr: configure with -DCMAKE_INSTALL_PREFIX=/usr to build them.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "npustack: `cpack -G DEB` would install under ${CMAKE_INSTALL_PREFIX}; "
                 "configure with -DCMAKE_INSTALL_PREFIX=/usr for Debian packages")
endif()
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Unspecified dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
# Debian 12 / Raspberry Pi OS bookworm library packages (the binaries link these dynamically).
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_NAME npustack)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_DEPENDS
    "libfmt9, libspdlog1.10, libpci3, libusb-1.0-0, libudev1, libpcre2-8-0, zlib1g, libstdc++6 (>= 12), adduser")
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/postinst)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libnpustack-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "npustack (= ${PROJECT_VERSION}), libfmt-dev, libspdlog-dev, nlohmann-json3-dev, libpci-dev, libusb-1.0-0-dev, libudev-dev, libpcre2-dev, zlib1g-dev")
include(CPack)
