# plateau_warnings: an INTERFACE target carrying the project's warning flags.
# Every plateau target links it privately so warnings stay on and clean.
add_library(plateau_warnings INTERFACE)
target_compile_options(plateau_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
  -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(PLATEAU_WERROR)
  target_compile_options(plateau_warnings INTERFACE -Werror)
endif()
