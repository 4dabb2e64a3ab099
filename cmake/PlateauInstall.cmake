# The installable package: `cmake --install build/default --prefix P` puts
# the libraries in P/lib, the public headers in P/include (same include
# paths as in the tree: "probes/...", "soak/verdict/...", "reports/...",
# "soak/sut/...", "engine/core/...",
# "harness/system_under_test.h") and plateauConfig.cmake /
# plateauTargets.cmake in P/lib/cmake/plateau, so a separate project can
#   find_package(plateau CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE plateau::sut)   # or ::probes ::verdict ::reports
# docs/embedding.md walks through it; ci/test.sh builds examples/ against it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(plateau_exported plateau_engine_core plateau_proc plateau_probes plateau_soak_verdict plateau_reports plateau_sut
    plateau_allocator plateau_warnings)
set_target_properties(plateau_engine_core PROPERTIES EXPORT_NAME engine_core)
set_target_properties(plateau_proc PROPERTIES EXPORT_NAME proc)
set_target_properties(plateau_probes PROPERTIES EXPORT_NAME probes)
set_target_properties(plateau_soak_verdict PROPERTIES EXPORT_NAME verdict)
set_target_properties(plateau_reports PROPERTIES EXPORT_NAME reports)
set_target_properties(plateau_sut PROPERTIES EXPORT_NAME sut)
set_target_properties(plateau_allocator PROPERTIES EXPORT_NAME allocator)
set_target_properties(plateau_warnings PROPERTIES EXPORT_NAME warnings)

install(TARGETS ${plateau_exported} EXPORT plateauTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(dir engine/core probes soak/verdict soak/sut reports)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir}
          FILES_MATCHING PATTERN "*.h" PATTERN "CMakeFiles" EXCLUDE)
endforeach()
# The system-under-test interface lives in harness/ (so the harness can
# implement it for the engine) and soak/sut/system_under_test.h includes it;
# it is header-only on the standard library, the one harness header installed.
install(FILES ${PROJECT_SOURCE_DIR}/harness/system_under_test.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/harness)
install(EXPORT plateauTargets NAMESPACE plateau:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/plateau)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/plateauConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/plateauConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/plateau)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/plateauConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/plateauConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/plateauConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/plateau)
# The plateau CLI and the preload shim `plateau watch --heap jemalloc` puts
# after libjemalloc (probes/jemalloc_unwind_shim.cc): watch looks for it in
# lib/ beside its own bin/, the same layout as the build tree.
if(TARGET plateau)
  install(TARGETS plateau RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET plateau_jemalloc_unwind)
  install(TARGETS plateau_jemalloc_unwind LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
