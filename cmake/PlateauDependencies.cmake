# Third-party dependencies, all from Debian packages (see ci/setup.sh).
# A missing one stops configure with the package to install.
function(plateau_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "plateau needs ${what}: install the Debian package ${package} (ci/setup.sh does)")
  endif()
endfunction()

find_package(Threads REQUIRED)

find_package(SQLite3 QUIET)
plateau_require(SQLite3_FOUND "SQLite 3" libsqlite3-dev)

find_package(nlohmann_json 3.10 QUIET)
plateau_require(nlohmann_json_FOUND "nlohmann/json" nlohmann-json3-dev)

find_package(CLI11 QUIET CONFIG)
if(NOT CLI11_FOUND)
  find_path(PLATEAU_CLI11_INCLUDE CLI/CLI.hpp)
  plateau_require(PLATEAU_CLI11_INCLUDE "CLI11" libcli11-dev)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${PLATEAU_CLI11_INCLUDE})
endif()

if(PLATEAU_BUILD_TESTS)
  find_package(Boost 1.74 QUIET COMPONENTS unit_test_framework)
  plateau_require(Boost_FOUND "Boost.Test" libboost-test-dev)
endif()

if(PLATEAU_BUILD_BENCH)
  find_package(benchmark QUIET)
  plateau_require(benchmark_FOUND "Google Benchmark" libbenchmark-dev)
endif()
