#include "tests/reports/golden.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "reports/atomic_file.h"

namespace plateau::reports::testing {

std::filesystem::path source_dir() {
  if (const char* env = std::getenv("PLATEAU_SOURCE_DIR"); env != nullptr && *env != '\0') return env;
  return PLATEAU_TEST_SOURCE_DIR;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string compare_with_golden(const std::string& golden_name, const std::string& actual) {
  const std::filesystem::path golden = source_dir() / "tests/reports/golden" / golden_name;
  if (const char* update = std::getenv("PLATEAU_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(golden.parent_path());
    write_file_atomically(golden, actual);
    return "";
  }
  if (!std::filesystem::exists(golden)) {
    return "golden file " + golden.string() + " is missing (run with PLATEAU_UPDATE_GOLDEN=1 to create it)";
  }
  const std::string expected = read_text(golden);
  if (expected == actual) return "";

  std::string actual_name = golden_name;
  for (char& c : actual_name) c = c == '/' ? '_' : c;
  write_file_atomically(actual_name + ".actual", actual);
  std::istringstream expected_lines(expected);
  std::istringstream actual_lines(actual);
  std::string e;
  std::string a;
  for (int line = 1;; ++line) {
    bool more_e = static_cast<bool>(std::getline(expected_lines, e));
    bool more_a = static_cast<bool>(std::getline(actual_lines, a));
    if (!more_e && !more_a) break;
    if (more_e != more_a || e != a) {
      return golden.string() + " differs at line " + std::to_string(line) + "\n  expected: " +
             (more_e ? e : "<end of file>") + "\n  actual:   " + (more_a ? a : "<end of file>") +
             "\n  (full output in " + actual_name + ".actual)";
    }
  }
  return golden.string() + " differs (line endings?)";
}

}  // namespace plateau::reports::testing
