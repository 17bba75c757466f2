# npu_set_warnings(target): the project's warning set; errors when NPU_WERROR is on (CI).
function(npu_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(NPU_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
