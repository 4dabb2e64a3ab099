# plateau_allocator: the INTERFACE target every executable links.
# PLATEAU_ALLOCATOR picks jemalloc, tcmalloc (gperftools) or the system (glibc)
# allocator. The compile definition PLATEAU_ALLOCATOR_<NAME> tells the probes
# which backend to compile. For jemalloc, the executable also gets the
# `malloc_conf` definition (profiling compiled in, inactive until the soak's
# measured phase) through an INTERFACE source.
if(NOT PLATEAU_SANITIZER STREQUAL "none" AND NOT PLATEAU_ALLOCATOR STREQUAL "system")
  message(FATAL_ERROR "PLATEAU_SANITIZER=${PLATEAU_SANITIZER} needs PLATEAU_ALLOCATOR=system "
                      "(got '${PLATEAU_ALLOCATOR}'): sanitizers replace malloc themselves")
endif()

add_library(plateau_allocator INTERFACE)
add_library(plateau::allocator ALIAS plateau_allocator)

if(PLATEAU_ALLOCATOR STREQUAL "jemalloc")
  find_path(PLATEAU_JEMALLOC_INCLUDE jemalloc/jemalloc.h)
  find_library(PLATEAU_JEMALLOC_LIB NAMES jemalloc)
  if(NOT PLATEAU_JEMALLOC_INCLUDE OR NOT PLATEAU_JEMALLOC_LIB)
    message(FATAL_ERROR "PLATEAU_ALLOCATOR=jemalloc but jemalloc was not found: "
                        "install the Debian package libjemalloc-dev (ci/setup.sh does)")
  endif()
  target_include_directories(plateau_allocator INTERFACE ${PLATEAU_JEMALLOC_INCLUDE})
  target_link_libraries(plateau_allocator INTERFACE ${PLATEAU_JEMALLOC_LIB})
  target_compile_definitions(plateau_allocator INTERFACE PLATEAU_ALLOCATOR_JEMALLOC=1)
  target_sources(plateau_allocator INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/cmake/jemalloc_conf.cc>)
elseif(PLATEAU_ALLOCATOR STREQUAL "tcmalloc")
  find_path(PLATEAU_TCMALLOC_INCLUDE gperftools/malloc_extension.h)
  find_library(PLATEAU_TCMALLOC_LIB NAMES tcmalloc)
  if(NOT PLATEAU_TCMALLOC_INCLUDE OR NOT PLATEAU_TCMALLOC_LIB)
    message(FATAL_ERROR "PLATEAU_ALLOCATOR=tcmalloc but gperftools' tcmalloc was not found: "
                        "install the Debian package libgoogle-perftools-dev (ci/setup.sh does)")
  endif()
  target_include_directories(plateau_allocator INTERFACE ${PLATEAU_TCMALLOC_INCLUDE})
  target_link_libraries(plateau_allocator INTERFACE ${PLATEAU_TCMALLOC_LIB})
  target_compile_definitions(plateau_allocator INTERFACE PLATEAU_ALLOCATOR_TCMALLOC=1)
elseif(PLATEAU_ALLOCATOR STREQUAL "system")
  target_compile_definitions(plateau_allocator INTERFACE PLATEAU_ALLOCATOR_SYSTEM=1)
else()
  message(FATAL_ERROR "PLATEAU_ALLOCATOR='${PLATEAU_ALLOCATOR}' is not one of: jemalloc, tcmalloc, system")
endif()
message(STATUS "plateau: allocator ${PLATEAU_ALLOCATOR}, sanitizer ${PLATEAU_SANITIZER}")
