// Golden-file comparison for the writer contract tests.
//
// Golden files live in tests/reports/golden/, found through the
// PLATEAU_SOURCE_DIR environment variable (set by ctest) or, when the test
// binary is run by hand, the source directory compiled in. On a mismatch the
// actual output is written next to the test's working directory as
// <name>.actual and the first differing line is reported. To accept a
// deliberate format change, run the test with PLATEAU_UPDATE_GOLDEN=1 and
// review the diff of tests/reports/golden/ like code.
#pragma once

#include <filesystem>
#include <string>

namespace plateau::reports::testing {

std::filesystem::path source_dir();
std::string read_text(const std::filesystem::path& path);

// Returns an empty string when actual equals the golden file, else a message.
std::string compare_with_golden(const std::string& golden_name, const std::string& actual);

}  // namespace plateau::reports::testing
