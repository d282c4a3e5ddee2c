# One set of warnings for every Beatbook target; errors unless switched off.
function(beatbook_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wconversion -Wsign-conversion -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 at -O3 reports std::string concatenation as overlapping memcpy
    # (GCC bug 105329, a false positive); keep the warning out of -Werror.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(BEATBOOK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
