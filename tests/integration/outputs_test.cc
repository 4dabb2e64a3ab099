// The `plateau` CLI's promises about signals, output folders and statuses
// (issue 11 items 4, 5, 6): a stop request that arrives twice (as GNU
// `timeout` sends it) or before the run starts still gives a partial report
// with exit 3; --out is validated, locked and never silently reused; a
// failure while writing leaves no complete-looking report; merge refuses an
// output inside an input and counts each shard once.
//
// PLATEAU_BINARY overrides the binary under test (to show a test fails on
// an older build).
#define BOOST_TEST_MODULE integration_outputs
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string plateau_binary() {
  if (const char* binary = std::getenv("PLATEAU_BINARY")) return binary;
  return (fs::read_symlink("/proc/self/exe").parent_path() / "plateau").string();
}

fs::path source_dir() {
  if (const char* dir = std::getenv("PLATEAU_SOURCE_DIR")) return dir;
  return PLATEAU_TEST_SOURCE_DIR;
}

std::string smoke() { return (source_dir() / "soak" / "scenarios" / "smoke.json").string(); }

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("plateau-outputs-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct SpawnOptions {
  bool block_term = false;  // start the child with SIGTERM blocked (pending signals wait)
};

// Runs argv[0] (a full path) with stdout to /dev/null and stderr to a file.
pid_t spawn(std::vector<std::string> args, const fs::path& stderr_file, SpawnOptions options = {}) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Blocked before fork (and restored in the parent after), so a signal sent
  // right after spawn() cannot land in the child before its mask is set.
  sigset_t term, saved;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  if (options.block_term) ::sigprocmask(SIG_BLOCK, &term, &saved);
  const pid_t pid = ::fork();
  if (pid != 0 && options.block_term) ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) ::dup2(err, 2);
    const int out = ::open("/dev/null", O_WRONLY);
    if (out >= 0) ::dup2(out, 1);
    ::setenv("CI", "true", 1);
    sigset_t set;
    sigemptyset(&set);
    if (options.block_term) sigaddset(&set, SIGTERM);
    ::sigprocmask(SIG_SETMASK, &set, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

pid_t spawn_plateau(std::vector<std::string> args, const fs::path& stderr_file, SpawnOptions options = {}) {
  args.insert(args.begin(), plateau_binary());
  return spawn(std::move(args), stderr_file, options);
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int run_plateau(const std::vector<std::string>& args, const fs::path& stderr_file) {
  return wait_exit_code(spawn_plateau(args, stderr_file));
}

nlohmann::json read_report(const fs::path& dir) {
  return nlohmann::json::parse(read_text(dir / "report.json"));
}

// A wall-clock smoke run lasts an hour of real time: a signal surely lands mid-run.
pid_t start_wall_run(const fs::path& out) {
  return spawn_plateau({"run", smoke(), "--out", out.string(), "--clock", "wall"}, out.string() + ".err");
}

// Waits until the run has passed start-up (its progress is visible in
// series.csv only at the end, so poll for the plan store it creates).
void wait_until_running(const fs::path& out) {
  for (int i = 0; i < 100 && !fs::exists(out / "state"); ++i) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(1000ms);
}

// The partial report of an interrupted run: valid, incomplete, nothing judged.
void check_partial_report(const fs::path& out, const std::string& signal, bool has_samples = true) {
  const auto report = read_report(out);
  BOOST_TEST(report.at("verdict").get<std::string>() == "incomplete");
  BOOST_TEST(report.at("incomplete").get<bool>());
  BOOST_TEST(report.at("incomplete_reason").get<std::string>().find(signal) != std::string::npos);
  if (has_samples) BOOST_TEST(!report.at("series").empty());
  for (const auto& s : report.at("series")) {
    BOOST_TEST(!s.at("judged").get<bool>(), s.at("name").get<std::string>());
    BOOST_TEST(s.at("verdict").get<std::string>() == "incomplete");
  }
  for (const auto& f : report.at("findings")) BOOST_TEST(f.at("kind").get<std::string>() != "trend");
  for (const char* file : {"series.csv", "junit.xml", "report.html", "summary.md"}) {
    BOOST_TEST(fs::exists(out / file), file);
  }
  if (has_samples) BOOST_TEST(read_text(out / "report.html").find("not judged") != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_sigterms_in_quick_succession_still_write_the_partial_report) {
  const fs::path out = scratch("two-sigterms");
  const pid_t pid = start_wall_run(out);
  wait_until_running(out);
  ::kill(pid, SIGTERM);
  std::this_thread::sleep_for(50ms);  // the first is surely handled: this one is a repeat
  ::kill(pid, SIGTERM);
  const int code = wait_exit_code(pid);
  BOOST_TEST_INFO("stderr: " << read_text(out.string() + ".err"));
  BOOST_REQUIRE(code == 3);
  check_partial_report(out, "SIGTERM");
}

BOOST_AUTO_TEST_CASE(timeout_s_term_gets_the_partial_report) {
  const fs::path out = scratch("timeout");
  // timeout(1) signals its child, then the whole process group.
  const pid_t pid = spawn({"/usr/bin/timeout", "--preserve-status", "-s", "TERM", "2", plateau_binary(),
                           "run", smoke(), "--out", out.string(), "--clock", "wall"},
                          out.string() + ".err");
  const int code = wait_exit_code(pid);
  BOOST_TEST_INFO("stderr: " << read_text(out.string() + ".err"));
  BOOST_REQUIRE(code == 3);
  check_partial_report(out, "SIGTERM");
}

BOOST_AUTO_TEST_CASE(a_signal_pending_before_the_run_starts_is_honoured) {
  const fs::path out = scratch("pending");
  // SIGTERM blocked from exec on: the signal is pending before main() runs
  // and must stop the run as soon as plateau can handle it.
  const pid_t pid =
      spawn_plateau({"run", smoke(), "--out", out.string()}, out.string() + ".err", SpawnOptions{true});
  ::kill(pid, SIGTERM);
  const int code = wait_exit_code(pid);
  BOOST_TEST_INFO("stderr: " << read_text(out.string() + ".err"));
  BOOST_REQUIRE(code == 3);
  check_partial_report(out, "SIGTERM", false);  // stopped at its first event
  BOOST_TEST(read_report(out).at("incomplete_reason").get<std::string>().find("t=0s") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_second_run_into_a_locked_folder_is_refused_naming_the_holder) {
  const fs::path out = scratch("locked");
  const pid_t first = start_wall_run(out);
  wait_until_running(out);
  const fs::path err = out.string() + ".second.err";
  const int second = run_plateau({"run", smoke(), "--out", out.string(), "--force"}, err);
  const std::string message = read_text(err);
  BOOST_TEST_INFO("second run's stderr: " << message);
  BOOST_TEST(second == 2);
  BOOST_TEST(message.find(out.string()) != std::string::npos);
  BOOST_TEST(message.find("pid " + std::to_string(first)) != std::string::npos);
  ::kill(first, SIGINT);
  BOOST_TEST(wait_exit_code(first) == 3);
  check_partial_report(out, "SIGINT");  // the holder's report is its own, untouched
}

BOOST_AUTO_TEST_CASE(a_non_empty_out_is_refused_unless_force_which_clears_old_dumps) {
  const fs::path out = scratch("reused");
  fs::create_directories(out / "heap");
  std::ofstream(out / "junit.xml") << "stale";
  std::ofstream(out / "heap" / "heap-9999s.heap") << "an old run's dump";
  const fs::path err = out.string() + ".err";
  BOOST_TEST(run_plateau({"run", smoke(), "--out", out.string()}, err) == 2);
  BOOST_TEST(read_text(err).find(out.string()) != std::string::npos);
  BOOST_TEST(read_text(err).find("--force") != std::string::npos);
  BOOST_TEST(read_text(out / "junit.xml") == "stale");  // refused: nothing touched
  BOOST_TEST(!fs::exists(out / "report.json"));

  std::ofstream(out / "notes.txt") << "the user's";
  const int code = run_plateau({"run", smoke(), "--out", out.string(), "--force"}, err);
  BOOST_TEST_INFO("stderr: " << read_text(err));
  BOOST_TEST(code == 0);
  BOOST_TEST(!fs::exists(out / "heap" / "heap-9999s.heap"));
  BOOST_TEST(read_text(out / "junit.xml") != "stale");
  BOOST_TEST(read_report(out).at("verdict").get<std::string>() == "bounded");
  BOOST_TEST(read_text(out / "notes.txt") == "the user's");  // --force removes only what plateau writes

  const fs::path other = scratch("foreign");
  fs::create_directories(other);
  std::ofstream(other / "notes.txt") << "the user's";
  BOOST_TEST(run_plateau({"run", smoke(), "--out", other.string()}, err) == 2);
  BOOST_TEST(read_text(err).find("notes.txt") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_empty_over_long_or_impossible_out_is_exit_2_naming_the_path) {
  const fs::path dir = scratch("bad-out");
  fs::create_directories(dir);
  std::ofstream(dir / "a-file") << "x";
  const fs::path err = dir / "err.txt";
  BOOST_TEST(run_plateau({"run", smoke(), "--out", ""}, err) == 2);
  BOOST_TEST(read_text(err).find("--out ''") != std::string::npos);

  const std::string long_name(300, 'n');
  BOOST_TEST(run_plateau({"run", smoke(), "--out", (dir / long_name).string()}, err) == 2);
  BOOST_TEST(read_text(err).find("255") != std::string::npos);
  std::error_code ec;
  BOOST_TEST(!fs::exists(dir / long_name, ec));

  const fs::path under_a_file = dir / "a-file" / "out";
  BOOST_TEST(run_plateau({"run", smoke(), "--out", under_a_file.string()}, err) == 2);
  BOOST_TEST(read_text(err).find(under_a_file.string()) != std::string::npos);
  BOOST_TEST(run_plateau({"run", smoke(), "--out", (dir / "a-file").string()}, err) == 2);
  BOOST_TEST(read_text(err).find("not a folder") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_write_failure_leaves_no_complete_looking_report) {
  const fs::path out = scratch("write-fails");
  const pid_t pid = start_wall_run(out);
  wait_until_running(out);
  // Injected fault: series.csv cannot be renamed into place (a non-empty
  // folder holds its name), as a full disk would fail its write.
  fs::create_directories(out / "series.csv" / "blocker");
  ::kill(pid, SIGINT);
  const int code = wait_exit_code(pid);
  const std::string message = read_text(out.string() + ".err");
  BOOST_TEST_INFO("stderr: " << message);
  BOOST_TEST(code == 4);
  BOOST_TEST(message.find("series.csv") != std::string::npos);
  BOOST_TEST(!fs::exists(out / "report.json"));
}

BOOST_AUTO_TEST_CASE(merge_refuses_an_output_inside_an_input_and_counts_each_shard_once) {
  const fs::path dir = scratch("merge");
  const fs::path golden = source_dir() / "tests" / "reports" / "golden" / "run" / "report.json";
  fs::create_directories(dir / "shards" / "a");
  fs::create_directories(dir / "shards" / "b");
  fs::copy_file(golden, dir / "shards" / "a" / "report.json");
  nlohmann::json b = nlohmann::json::parse(read_text(golden));
  b["verdict"] = "bounded";
  b["findings"] = nlohmann::json::array();
  for (auto& s : b["series"]) s["verdict"] = "bounded";
  b["context"]["allocator"] = "tcmalloc";
  std::ofstream(dir / "shards" / "b" / "report.json") << b.dump(2);
  const fs::path err = dir / "err.txt";

  BOOST_TEST(run_plateau({"merge", (dir / "shards").string(), "--out", (dir / "shards" / "merged").string()},
                         err) == 2);
  BOOST_TEST(read_text(err).find("inside the input") != std::string::npos);
  BOOST_TEST(!fs::exists(dir / "shards" / "merged"));

  // The same folder twice, and once more through its parent: counted once.
  BOOST_TEST(run_plateau({"merge", (dir / "shards" / "b").string(), (dir / "shards" / "b").string() + "/",
                          (dir / "shards" / "b" / "report.json").string(), "--out", (dir / "once").string()},
                         err) == 0);
  BOOST_TEST(read_report(dir / "once").at("shards").size() == 1u);

  BOOST_TEST(run_plateau({"merge", (dir / "shards").string(), "--out", (dir / "merged").string()}, err) == 1);
  BOOST_TEST(read_report(dir / "merged").at("shards").size() == 2u);
  // An earlier merge left beside the shards is not folded into the next one.
  fs::copy(dir / "merged", dir / "shards" / "merged");
  BOOST_TEST(
      run_plateau({"merge", (dir / "shards").string(), "--out", (dir / "merged-again").string()}, err) == 1);
  BOOST_TEST(read_report(dir / "merged-again").at("shards").size() == 2u);
}

BOOST_AUTO_TEST_CASE(merge_of_an_incomplete_shard_is_incomplete_with_exit_3) {
  const fs::path dir = scratch("merge-incomplete");
  const fs::path golden = source_dir() / "tests" / "reports" / "golden" / "run" / "report.json";
  nlohmann::json r = nlohmann::json::parse(read_text(golden));
  r["verdict"] = "incomplete";
  r["incomplete"] = true;
  r["incomplete_reason"] = "interrupted by SIGTERM at t=100s of 3600s";
  r["findings"] = nlohmann::json::array();
  for (auto& s : r["series"]) {
    s["judged"] = false;
    s["verdict"] = "incomplete";
  }
  fs::create_directories(dir / "shard");
  std::ofstream(dir / "shard" / "report.json") << r.dump(2);
  const fs::path err = dir / "err.txt";
  BOOST_TEST(run_plateau({"merge", (dir / "shard").string(), "--out", (dir / "merged").string()}, err) == 3);
  BOOST_TEST(read_report(dir / "merged").at("verdict").get<std::string>() == "incomplete");
}
