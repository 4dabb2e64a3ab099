// Replays the fuzz corpora under the normal build (label unit):
//   tests/fuzz/regression/scenario/*  every hostile scenario of issue 11 (deep
//       nesting, 1e400, duplicate keys, NUL, huge digit strings, ...): each
//       must be refused the documented way (ScenarioError), nothing else;
//   tests/fuzz/regression/report/*    the same for report.json (ReportFormatError);
//   tests/fuzz/corpus/*               the fuzzers' seeds: accepted or refused,
//       never a crash or an undocumented exception (the fuzz target aborts).
// Inputs too large to keep in the tree (100,000-deep nesting, 2 MiB) are
// generated here.
#define BOOST_TEST_MODULE fuzz_regression
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_targets.h"

namespace fs = std::filesystem;

namespace {

fs::path fuzz_dir() {
  const char* env = std::getenv("PLATEAU_SOURCE_DIR");
  return fs::path(env ? env : PLATEAU_SOURCE_DIR_DEFAULT) / "tests" / "fuzz";
}

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <typename Target>
bool accepts(Target target, const std::string& text) {
  return target(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

// Issue 11's inputs too large for the tree.
std::vector<std::string> generated_hostile_inputs() {
  return {std::string(100'000, '['),
          "{\"duration\": \"1h\", \"x\": " + std::string(100'000, '[') + std::string(100'000, ']') + "}",
          std::string(100'000, '{'),
          "{\"duration\": \"1h\", \"description\": \"" + std::string(2u << 20, 'x') + "\"}",
          "{\"duration\": \"" + std::string(100'000, '9') + "s\"}",
          "{\"duration\": " + std::string(100'000, '9') + "}"};
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_hostile_scenario_is_refused) {
  const auto files = files_in(fuzz_dir() / "regression" / "scenario");
  BOOST_TEST(files.size() >= 10u);
  for (const fs::path& file : files) {
    BOOST_TEST(!accepts(plateau::fuzz::scenario_input, bytes_of(file)), file.filename().string());
  }
  for (const std::string& text : generated_hostile_inputs()) {
    BOOST_TEST(!accepts(plateau::fuzz::scenario_input, text), text.substr(0, 40));
  }
}

BOOST_AUTO_TEST_CASE(every_hostile_report_is_refused) {
  const auto files = files_in(fuzz_dir() / "regression" / "report");
  BOOST_TEST(files.size() >= 5u);
  for (const fs::path& file : files) {
    BOOST_TEST(!accepts(plateau::fuzz::report_input, bytes_of(file)), file.filename().string());
  }
  for (const std::string& text : generated_hostile_inputs()) {
    BOOST_TEST(!accepts(plateau::fuzz::report_input, text), text.substr(0, 40));
  }
}

BOOST_AUTO_TEST_CASE(seed_corpora_replay_cleanly) {
  // The seeds include valid inputs: the readers must accept those.
  std::size_t accepted = 0;
  for (const fs::path& file : files_in(fuzz_dir() / "corpus" / "scenario")) {
    accepted += accepts(plateau::fuzz::scenario_input, bytes_of(file)) ? 1 : 0;
  }
  BOOST_TEST(accepted >= 4u);
  accepted = 0;
  for (const fs::path& file : files_in(fuzz_dir() / "corpus" / "report")) {
    accepted += accepts(plateau::fuzz::report_input, bytes_of(file)) ? 1 : 0;
  }
  BOOST_TEST(accepted >= 1u);
}
