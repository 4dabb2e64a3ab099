# plateau_add_test(NAME <name> SOURCES <src...> LIBS <targets...> LABELS <labels...>)
# Builds one Boost.Test executable into bin/, links the configured allocator,
# and registers it with CTest under the given labels (unit, concurrency,
# integration, canary). Each label also gets an aggregate target
# `tests_<label>` that builds just those executables, so a sanitizer stage
# compiles only what it runs (ci/test.sh).
function(plateau_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_NAME OR NOT T_SOURCES)
    message(FATAL_ERROR "plateau_add_test needs NAME and SOURCES")
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK)
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Boost::unit_test_framework
                        plateau_allocator plateau_warnings)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --log_level=test_suite --report_level=short
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "PLATEAU_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  foreach(label IN LISTS T_LABELS)
    if(NOT TARGET tests_${label})
      add_custom_target(tests_${label})
    endif()
    add_dependencies(tests_${label} ${T_NAME})
  endforeach()
endfunction()
