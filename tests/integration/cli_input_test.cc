// Issue 11, items 1, 2 and 5 at the command line: every hostile input and
// every bad override exits 2 naming the flag or field, the value and the
// rule, never a crash (139) or an "unexpected error" (4), and nothing is
// created on disk for refused input; the default output folder stays under
// plateau-out/ whatever the scenario's name.
#define BOOST_TEST_MODULE integration_cli_input
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/plateau_process.h"

namespace fs = std::filesystem;

namespace {

using plateau::testing::read_text;
using plateau::testing::source_dir;

fs::path gate() { return source_dir() / "soak" / "scenarios" / "gate.json"; }

// A fresh, empty working folder per case.
fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("plateau-input-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

struct Result {
  int code = -1;
  std::string err;
};

// Runs plateau in `cwd` with stderr captured.
Result run(const std::vector<std::string>& args, const fs::path& cwd) {
  const fs::path err = cwd.parent_path() / (cwd.filename().string() + ".stderr");
  Result r;
  r.code = plateau::testing::wait_exit_code(plateau::testing::spawn(args, err, cwd));
  r.err = read_text(err);
  return r;
}

bool is_empty_dir(const fs::path& dir) { return fs::is_empty(dir); }

// The run is refused with exit 2, the message holds every part, and the
// working folder is still empty (no --out folder, no plateau-out/).
void expect_refused(const std::string& name, std::vector<std::string> args,
                    std::initializer_list<std::string> parts, const std::string& file_text = "") {
  BOOST_TEST_CONTEXT(name) {
    const fs::path cwd = scratch(name);
    const fs::path inputs = cwd.parent_path() / (name + ".inputs");
    fs::create_directories(inputs);
    if (!file_text.empty() || args.empty()) write_text(inputs / "case.json", file_text);
    for (auto& a : args) {
      if (a == "CASE") a = (inputs / "case.json").string();
    }
    const Result r = run(args, cwd);
    BOOST_TEST_INFO("stderr: " << r.err);
    BOOST_TEST(r.code == 2);
    for (const std::string& part : parts) BOOST_TEST(r.err.find(part) != std::string::npos, part);
    BOOST_TEST(r.err.size() < 2000u);
    BOOST_TEST(is_empty_dir(cwd));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(overrides_pass_the_files_validation) {
  // Exit 0 "bounded" before: the same scenario in a file is refused.
  expect_refused("gate-20m",
                 {"run", gate().string(), "--duration", "20m", "--failpoint", "wallet.unbounded_processed_tx",
                  "--out", "out"},
                 {"--duration 20m", "/verdict/window", "\"20m\"", "measured phase"});
  expect_refused("seed-negative", {"run", gate().string(), "--seed", "-1", "--out", "out"},
                 {"--seed -1", "whole number between 0 and 18446744073709551615"});
  expect_refused("seed-overflow", {"run", gate().string(), "--seed", "18446744073709551616", "--out", "out"},
                 {"--seed"});
  expect_refused("duration-digits", {"run", gate().string(), "--duration", std::string(400, '9') + "s"},
                 {"--duration", "at most 1e9 seconds"});
  expect_refused("duration-1e400", {"run", gate().string(), "--duration", "1e400"}, {"--duration 1e400"});
  expect_refused("clock", {"run", gate().string(), "--clock", "Wall"},
                 {"--clock Wall", "\"sim\" or \"wall\""});
  expect_refused("out-empty", {"run", gate().string(), "--out", ""}, {"--out", "must name a folder"});
  expect_refused("out-long-name", {"run", gate().string(), "--out", std::string(300, 'x')}, {"--out", "255"});
  expect_refused("out-long-path", {"run", gate().string(), "--out", std::string(5000, 'x')},
                 {"--out", "4095"});
}

BOOST_AUTO_TEST_CASE(hostile_scenarios_exit_2_and_create_nothing) {
  const std::string gate_text = read_text(gate());
  std::string maintain = gate_text;
  maintain.replace(maintain.find("\"maintain\": {"), 13, "\"maintain\": { \"bogus\": \"5m\",");
  expect_refused("maintain-key", {"run", "CASE", "--out", "out"}, {"/maintain/bogus", "unknown component"},
                 maintain);
  expect_refused("deep", {"run", "CASE", "--out", "out"}, {"nested deeper than"}, std::string(100'000, '['));
  expect_refused("overflow", {"run", "CASE", "--out", "out"}, {"/duration", "out of range"},
                 "{\"duration\": 1e400}");
  expect_refused("digits", {"run", "CASE", "--out", "out"}, {"/duration", "at most 1e9 seconds"},
                 "{\"duration\": \"" + std::string(400, '9') + "s\"}");
  expect_refused("duplicate", {"run", "CASE", "--out", "out"}, {"/duration", "twice"},
                 "{\"duration\": \"-1h\", \"duration\": \"10m\"}");
  expect_refused("nul", {"run", "CASE", "--out", "out"}, {"NUL byte"},
                 std::string("{\"duration\": \"10m\"}\0{\"x\": 1}", 28));
  expect_refused("one-ms", {"run", "CASE", "--out", "out"}, {"/sample_interval", "\"1ms\"", "at least 100ms"},
                 "{\"duration\": \"10m\", \"sample_interval\": \"1ms\", \"verdict\": {\"window\": \"2m\"}}");
  expect_refused("dev-zero", {"run", "/dev/zero", "--out", "out"}, {"/dev/zero", "larger than the limit"});
  expect_refused("big", {"run", "CASE", "--out", "out"}, {"larger than the limit of 1 MiB"},
                 "{\"duration\": \"1h\", \"description\": \"" + std::string(2u << 20, 'x') + "\"}");
}

BOOST_AUTO_TEST_CASE(hostile_reports_exit_2) {
  const fs::path cwd = scratch("reports");
  write_text(cwd / "deep.json", std::string(50'000, '['));
  write_text(cwd / "overflow.json", "{\"schema\": 1e400}");
  write_text(cwd / "dup.json", "{\"schema\": \"plateau.report/1\", \"schema\": \"plateau.report/1\"}");
  for (const char* bad : {"deep.json", "overflow.json", "dup.json"}) {
    const Result r = run({"compare", bad, bad}, cwd);
    BOOST_TEST_INFO(bad << ": " << r.err);
    BOOST_TEST(r.code == 2);
    BOOST_TEST(r.err.find(bad) != std::string::npos);
  }
  fs::create_directories(cwd / "folder");
  write_text(cwd / "folder" / "report.json", std::string(50'000, '{'));
  const Result r = run({"report", "folder"}, cwd);
  BOOST_TEST_INFO(r.err);
  BOOST_TEST(r.code == 2);
}

BOOST_AUTO_TEST_CASE(default_output_folder_stays_under_plateau_out) {
  const fs::path cwd = scratch("name/inner/work");
  const fs::path inputs = cwd.parent_path() / "inputs";
  fs::create_directories(inputs);
  // smoke.json under a hostile name.
  std::string smoke = read_text(source_dir() / "soak" / "scenarios" / "smoke.json");
  const std::string name_field = "\"name\": \"smoke\"";
  BOOST_REQUIRE(smoke.find(name_field) != std::string::npos);
  smoke.replace(smoke.find(name_field), name_field.size(), "\"name\": \"../../../elsewhere\"");
  write_text(inputs / "escape.json", smoke);
  const Result r = run({"run", (inputs / "escape.json").string()}, cwd);
  BOOST_TEST_INFO(r.err);
  BOOST_TEST(r.code == 0);
  // Exactly one folder, directly under plateau-out/, holding the report.
  std::vector<fs::path> made;
  for (const auto& e : fs::directory_iterator(cwd / "plateau-out")) made.push_back(e.path());
  BOOST_REQUIRE(made.size() == 1u);
  BOOST_TEST(fs::exists(made[0] / "report.json"));
  BOOST_TEST(made[0].filename().string().find("elsewhere") != std::string::npos);
  for (const auto& e : fs::recursive_directory_iterator(cwd.parent_path().parent_path().parent_path())) {
    const bool elsewhere = e.path().filename().string().find("elsewhere") != std::string::npos;
    const bool inside = e.path().parent_path() == cwd / "plateau-out";
    BOOST_TEST((!elsewhere || inside), e.path().string());
  }
}
