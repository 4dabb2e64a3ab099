# Sanitizer builds: applied globally so every object, test and tool agrees.
# A sanitizer build always uses the system allocator (see PlateauAllocator).
if(PLATEAU_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(PLATEAU_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT PLATEAU_SANITIZER STREQUAL "none")
  message(FATAL_ERROR "PLATEAU_SANITIZER='${PLATEAU_SANITIZER}' is not one of: none, address, thread")
endif()
