# npu_set_warnings(target): the project's warning set; errors when NPU_WERROR is on (CI).
function(npu_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # A unity source #includes the .cpp files, so GCC takes a class defined in a .cpp (a pimpl's
    # Impl) with members of an anonymous-namespace type for one defined in a header.
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
  endif()
  if(NPU_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
