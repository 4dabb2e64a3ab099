# plateau_warnings: an INTERFACE target carrying the project's warning flags.
# Every plateau target links it privately so warnings stay on and clean.
add_library(plateau_warnings INTERFACE)
target_compile_options(plateau_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
  -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(PLATEAU_WERROR)
  target_compile_options(plateau_warnings INTERFACE -Werror)
endif()
# Under clang the GUARDED_BY / REQUIRES marks (engine/core/thread_annotations.h)
# are checked, and a violation is an error: a member read without its mutex,
# or a REQUIRES function called without it, does not build. ci/test.sh builds
# the libraries with clang (preset fuzz) so CI checks them; g++ ignores the marks.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(plateau_warnings INTERFACE -Wthread-safety -Werror=thread-safety-analysis
    -Werror=thread-safety-attributes -Werror=thread-safety-reference -Werror=thread-safety-precise)
endif()
