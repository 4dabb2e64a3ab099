#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <limits>
#include <system_error>

#include "reports/atomic_file.h"
#include "reports/json.h"
#include "reports/writers.h"
#include "tests/reports/fixture.h"
#include "tests/reports/golden.h"

namespace r = plateau::reports;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed afterwards.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    path = fs::temp_directory_path() /
           ("plateau-reports-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() { fs::remove_all(path); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  static inline int counter = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(atomic_write)

BOOST_AUTO_TEST_CASE(replaces_the_file_and_leaves_no_temporary) {
  ScratchDir dir;
  r::write_file_atomically(dir.path / "a.txt", "first");
  r::write_file_atomically(dir.path / "a.txt", "second, longer");
  BOOST_TEST(r::testing::read_text(dir.path / "a.txt") == "second, longer");
  BOOST_TEST(dir.entries() == std::vector<std::string>{"a.txt"});
}

BOOST_AUTO_TEST_CASE(failed_rename_keeps_the_target_and_removes_the_temporary) {
  ScratchDir dir;
  // A non-empty directory at the target path makes the final rename fail
  // after the content was written: the worst moment to fail.
  fs::create_directories(dir.path / "report.json" / "keep");
  BOOST_CHECK_THROW(r::write_file_atomically(dir.path / "report.json", "new"), std::system_error);
  BOOST_TEST(fs::exists(dir.path / "report.json" / "keep"));
  BOOST_TEST(dir.entries() == std::vector<std::string>{"report.json"});
}

BOOST_AUTO_TEST_CASE(error_names_the_path) {
  try {
    r::write_file_atomically("/nonexistent-plateau-dir/report.json", "x");
    BOOST_FAIL("write into a missing directory succeeded");
  } catch (const std::system_error& error) {
    BOOST_TEST(std::string(error.what()).find("/nonexistent-plateau-dir/report.json") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(write_all_writes_every_format_readably) {
  ScratchDir dir;
  const r::Report report = r::testing::leaking_run_report();
  auto written = r::write_all(report, dir.path / "out");
  BOOST_TEST(written.size() == 4u);
  BOOST_TEST((r::read_report_file(dir.path / "out" / "report.json") == report));
  BOOST_TEST(r::testing::read_text(dir.path / "out" / "junit.xml") == r::render_junit_xml(report));
  BOOST_TEST(r::testing::read_text(dir.path / "out" / "summary.md") == r::render_markdown_summary(report));
  BOOST_TEST(r::testing::read_text(dir.path / "out" / "report.html") == r::render_html_report(report));
  for (const auto& entry : fs::directory_iterator(dir.path / "out")) {
    BOOST_TEST(entry.path().filename().string().find(r::kTemporarySuffix) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_refused_report_does_not_clobber_the_previous_one) {
  ScratchDir dir;
  const r::Report good = r::testing::leaking_run_report();
  r::write_all(good, dir.path);
  r::Report bad = good;
  bad.verdict = r::Verdict::bounded;
  bad.series[0].samples[0].value = std::numeric_limits<double>::infinity();
  BOOST_CHECK_THROW(r::write_all(bad, dir.path), std::invalid_argument);
  BOOST_TEST((r::read_report_file(dir.path / "report.json") == good));
  BOOST_TEST(r::testing::read_text(dir.path / "summary.md") == r::render_markdown_summary(good));
  BOOST_TEST(dir.entries() ==
             (std::vector<std::string>{"junit.xml", "report.html", "report.json", "summary.md"}));
}

// report.json is the set's commit record: written last, removed first, so
// a failure part-way (disk full, a kill) leaves no complete-looking report
// beside files of another run or missing ones.
BOOST_AUTO_TEST_CASE(a_write_failing_part_way_leaves_no_report_json) {
  ScratchDir dir;
  const r::Report old_report = r::testing::leaking_run_report();
  r::write_report_set(old_report, dir.path, {{"series.csv", "t_s,value\n"}});
  BOOST_TEST(fs::exists(dir.path / "report.json"));
  // Injected fault: series.csv cannot be renamed into place.
  fs::remove(dir.path / "series.csv");
  fs::create_directories(dir.path / "series.csv" / "blocker");
  r::Report new_report = old_report;
  new_report.verdict = r::Verdict::bounded;
  new_report.findings.clear();
  BOOST_CHECK_THROW(r::write_report_set(new_report, dir.path, {{"series.csv", "t_s,value\n"}}), std::system_error);
  BOOST_TEST(!fs::exists(dir.path / "report.json"));
  for (const auto& name : dir.entries()) BOOST_TEST(name.find(r::kTemporarySuffix) == std::string::npos, name);
}

BOOST_AUTO_TEST_CASE(the_report_set_lands_with_its_extras_and_report_json_last) {
  ScratchDir dir;
  const r::Report report = r::testing::leaking_run_report();
  const auto written = r::write_report_set(report, dir.path, {{"series.csv", "t_s,value\n"}});
  BOOST_REQUIRE(written.size() == 5u);
  BOOST_TEST(written[0].filename() == "report.json");
  BOOST_TEST(written[4].filename() == "series.csv");
  // report.json is the newest file of the set.
  for (std::size_t i = 1; i < written.size(); ++i) {
    BOOST_TEST((fs::last_write_time(written[i]) <= fs::last_write_time(written[0])), written[i]);
  }
  BOOST_TEST((r::read_report_file(dir.path / "report.json") == report));
}

BOOST_AUTO_TEST_SUITE_END()
