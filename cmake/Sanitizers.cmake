# Sanitizer builds (scripts/sanitize.sh): NPU_SANITIZE=address instruments every target with
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included), NPU_SANITIZE=thread with
# ThreadSanitizer. Empty (the default) builds without. The flags apply to every target of the
# build, so the libraries, tools, daemon and tests all run instrumented. NPU_SANITIZE=fuzz
# (clang, scripts/fuzz.sh) builds the libFuzzer targets of tests/fuzz.
#
# NPU_SANITIZER_FLAGS: the flags, for things built outside this CMake project (the install
# consumer test). NPU_SANITIZER_RUNTIME: the sanitizer's shared runtime, which must come first
# when a test preloads another library (umockdev).
set(NPU_SANITIZE "" CACHE STRING "Sanitizer build: address (ASan+UBSan), thread (TSan), or empty")
set(NPU_SANITIZER_FLAGS "")
set(NPU_SANITIZER_RUNTIME "")
if(NPU_SANITIZE STREQUAL "address")
  set(NPU_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
                          -fno-omit-frame-pointer)
  set(runtime_name libasan.so)
elseif(NPU_SANITIZE STREQUAL "thread")
  set(NPU_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
  set(runtime_name libtsan.so)
elseif(NPU_SANITIZE STREQUAL "fuzz")
  # libFuzzer (clang only, scripts/fuzz.sh): coverage for the fuzzer everywhere, ASan + UBSan; the
  # fuzz targets (tests/fuzz) link the fuzzer's main with -fsanitize=fuzzer.
  set(NPU_SANITIZER_FLAGS -fsanitize=fuzzer-no-link,address,undefined
                          -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  set(runtime_name libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
elseif(NOT NPU_SANITIZE STREQUAL "")
  message(FATAL_ERROR "NPU_SANITIZE='${NPU_SANITIZE}': use address, thread, fuzz (clang) or leave it empty")
endif()

if(NPU_SANITIZER_FLAGS)
  add_compile_options(${NPU_SANITIZER_FLAGS})
  add_link_options(${NPU_SANITIZER_FLAGS})
  if(NPU_SANITIZE STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns that TSan cannot see std::atomic_thread_fence; the DMA ring's fences order device
    # memory for real hardware, and host threads synchronize through mutexes TSan does see.
    add_compile_options(-Wno-tsan)
  endif()
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${runtime_name}
                  OUTPUT_VARIABLE NPU_SANITIZER_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
  message(STATUS "npustack: ${NPU_SANITIZE} sanitizer build (${NPU_SANITIZER_RUNTIME})")
endif()
