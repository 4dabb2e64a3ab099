// The soak API's runner judges the process it runs in: a leak in memory, a
// thread or a descriptor that no container of the service declares still
// fails the soak, named by the process figure it moved; the runner's own
// sample storage does not count as growth.
#define BOOST_TEST_MODULE soak_sut_runner
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "soak/sut/system_under_test.h"

namespace fs = std::filesystem;
using namespace plateau;

namespace {

// Under a sanitizer (the asan preset runs this test too) RSS grows by
// itself, so the runner judges the sanitizer's own count of live bytes.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
// RSS, and the bytes held by the allocator's own count, are judged; under a
// sanitizer only the latter.
const std::string kMemorySeries = kSanitized ? "alloc.allocated_bytes" : "process.rss_bytes";
const std::vector<std::string> kMemoryFindings =
    kSanitized ? std::vector<std::string>{"alloc.allocated_bytes"}
               : std::vector<std::string>{"process.rss_bytes", "alloc.allocated_bytes"};

// A toy service: a declared, bounded cache, and three leaks nobody declares.
class Toy final : public sut::SystemUnderTest {
 public:
  explicit Toy(int declared_containers = 1) : declared_(declared_containers) {}
  ~Toy() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
    for (int fd : fds_) ::close(fd);
  }

  std::string name() const override { return "toy"; }
  std::vector<sut::LoadStream> load_streams() override {
    return {{"requests", 2, [this](double, sut::Lifecycle&) {
               cache_.push_back(std::string(64, 'c'));
               if (cache_.size() > 128) cache_.erase(cache_.begin());
               if (keep_blobs_) blobs_.push_back(std::string(512, 'b'));  // undeclared
               if (keep_small_blobs_) small_blobs_.push_back(std::string(64, 's'));  // undeclared
             }}};
  }
  std::vector<sut::Maintenance> maintenance() override {
    return {{"tidy", 600, [this](double) {
               if (leak_threads_) threads_.emplace_back([this] {
                 ::pthread_setname_np(::pthread_self(), "toy-worker");
                 std::unique_lock lock(mutex_);
                 wake_.wait(lock, [this] { return stopping_; });
               });
               if (leak_fds_) fds_.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
             }}};
  }
  std::vector<sut::Failpoint> failpoints() override {
    return {{"toy.keep_blobs", "every request keeps 512 bytes in a list nobody reports",
             [this](bool on) { keep_blobs_ = on; }},
            {"toy.keep_small_blobs", "every request keeps 64 bytes in a deque nobody reports",
             [this](bool on) { keep_small_blobs_ = on; }},
            {"toy.leak_threads", "every tidy starts a thread that waits for the end",
             [this](bool on) { leak_threads_ = on; }},
            {"toy.leak_fds", "every tidy opens /dev/null and keeps it", [this](bool on) { leak_fds_ = on; }}};
  }
  void inventory(sut::Inventory& out) const override {
    for (int i = 0; i < declared_; ++i) {
      out.container("toy", "cache" + std::to_string(i), cache_.size(), cache_.size() * 96, 128);
    }
  }
  void audit(sut::Audit&) const override {}

 private:
  int declared_;
  std::vector<std::string> cache_, blobs_;
  std::deque<std::string> small_blobs_;
  bool keep_blobs_ = false, keep_small_blobs_ = false, leak_threads_ = false, leak_fds_ = false;
  std::vector<std::thread> threads_;
  std::vector<int> fds_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("plateau-sut-runner-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  return dir;
}

struct Soaked {
  sut::SoakResult result;
  nlohmann::json report;
  std::string log;
};

template <typename Service>
Soaked soak(Service& service, sut::SoakPlan plan, const std::string& name) {
  plan.out_dir = scratch(name);
  std::ostringstream log;
  Soaked out;
  out.result = sut::run_sut_soak(service, plan, log);
  out.log = log.str();
  std::ifstream in(out.result.report_json);
  out.report = nlohmann::json::parse(in);
  return out;
}

// Sessions that follow a load whose rate drifts: requests arrive at a
// steady 2/s, but more of them open a session as the soak goes on (30% at
// the start, all by the end), and each session is held 10-30 minutes.
// Its session count rises about threefold with no leak at all.
class DriftingSessions final : public sut::SystemUnderTest {
 public:
  DriftingSessions(bool name_arrivals, double kept_share) : name_arrivals_(name_arrivals), kept_share_(kept_share) {}
  std::string name() const override { return "drifting_sessions"; }
  std::vector<sut::LoadStream> load_streams() override {
    return {{"requests", 2.0, [this](double now, sut::Lifecycle&) {
               if (unit_(rng_) > 0.3 + 0.7 * now / (6 * 3600.0)) return;
               ++opened_;
               const bool kept = unit_(rng_) < kept_share_;
               ends_.push_back(kept ? 1e300 : now + 600 + 1200 * unit_(rng_));
             }}};
  }
  std::vector<sut::Maintenance> maintenance() override {
    return {{"expire", 60, [this](double now) { std::erase_if(ends_, [now](double end) { return end <= now; }); }}};
  }
  void inventory(sut::Inventory& out) const override {
    out.container("web", "sessions", ends_.size(), ends_.size() * sizeof(double), std::nullopt,
                  name_arrivals_ ? std::optional<std::uint64_t>(opened_) : std::nullopt);
  }

 private:
  bool name_arrivals_;
  double kept_share_;
  std::mt19937_64 rng_{7};
  std::uniform_real_distribution<double> unit_{0, 1};
  std::vector<double> ends_;
  std::uint64_t opened_ = 0;
};

std::vector<std::string> finding_series(const nlohmann::json& report) {
  std::vector<std::string> out;
  for (const auto& f : report.at("findings")) out.push_back(f.at("series"));
  return out;
}

bool has_finding(const nlohmann::json& report, const std::string& series) {
  const auto all = finding_series(report);
  return std::find(all.begin(), all.end(), series) != all.end();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_clean_service_is_bounded_with_its_process_judged) {
  Toy toy;
  const Soaked s = soak(toy, sut::SoakPlan{}, "clean");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 0);
  int judged = 0;
  bool rss_seen = false;
  for (const auto& series : s.report.at("series")) {
    const std::string name = series.at("name");
    BOOST_TEST_INFO(name);
    if (name == "alloc.allocated_bytes" || name == "process.threads" || name == "process.open_fds") {
      BOOST_TEST(series.at("judged").get<bool>());
      ++judged;
    }
    if (name == "process.rss_bytes") {
      rss_seen = true;
      BOOST_TEST(series.at("judged").get<bool>() == !kSanitized);  // shown either way
    }
  }
  BOOST_TEST(judged == 3);
  BOOST_TEST(rss_seen);
  // The report says where the allocator's figure comes from, and under a
  // sanitizer why RSS is not judged.
  const std::string notes = s.report.contains("notes") ? s.report.at("notes").dump() : "";
  BOOST_TEST((notes.find("sanitizer") != std::string::npos) == kSanitized, notes);
  BOOST_TEST(notes.find("alloc.allocated_bytes") != std::string::npos, notes);
}

BOOST_AUTO_TEST_CASE(memory_no_container_declares_fails_the_soak_on_the_process_memory) {
  Toy toy;
  sut::SoakPlan plan;
  plan.failpoints = {"toy.keep_blobs"};  // ~2/s x 6 h x ~540 B: about 23 MB
  const Soaked s = soak(toy, plan, "blobs");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 1);
  BOOST_TEST(finding_series(s.report) == kMemoryFindings);
  BOOST_TEST(s.report.at("findings").at(0).at("component") == (kSanitized ? "allocator" : "process"));
  // Tolerances above the growth let it pass: the one place each is set.
  plan.process_absolute_bytes = 256.0 * (1 << 20);
  plan.heap_absolute_bytes = 256.0 * (1 << 20);
  Toy again;
  BOOST_TEST(soak(again, plan, "blobs-tolerated").result.exit_code == 0);
}

// About 43,000 requests keep 64 bytes each (about 4.5 MB with the strings'
// headers): under RSS's 8 MiB tolerance, over the allocator count's 2 MiB.
BOOST_AUTO_TEST_CASE(a_leak_below_the_rss_tolerance_fails_on_the_allocators_own_count) {
  Toy toy;
  sut::SoakPlan plan;
  plan.failpoints = {"toy.keep_small_blobs"};
  const Soaked s = soak(toy, plan, "small-blobs");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 1);
  BOOST_TEST(finding_series(s.report) == std::vector<std::string>{"alloc.allocated_bytes"});
  BOOST_TEST(s.report.at("findings").at(0).at("component") == "allocator");
  plan.heap_absolute_bytes = 64.0 * (1 << 20);
  Toy again;
  BOOST_TEST(soak(again, plan, "small-blobs-tolerated").result.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(threads_and_descriptors_no_container_declares_fail_the_soak_in_their_own_units) {
  Toy threads;
  sut::SoakPlan plan;
  plan.failpoints = {"toy.leak_threads"};
  const Soaked t = soak(threads, plan, "threads");
  BOOST_TEST_INFO(t.log);
  BOOST_TEST(t.result.exit_code == 1);
  // The total, and the group that says what leaked (threads by name).
  BOOST_TEST(finding_series(t.report) == (std::vector<std::string>{"process.threads", "process.threads.toy-worker"}));

  Toy fds;
  plan.failpoints = {"toy.leak_fds"};
  const Soaked f = soak(fds, plan, "fds");
  BOOST_TEST_INFO(f.log);
  BOOST_TEST(f.result.exit_code == 1);
  // ... descriptors by target.
  BOOST_TEST(finding_series(f.report) == (std::vector<std::string>{"process.open_fds", "process.fds./dev/null"}));
}

// 40 declared series sampled every 2 virtual seconds for a day keep about
// 28 MB of samples: were that storage to grow as samples arrive, the RSS
// the runner judges would rise past its 8 MiB tolerance with it.
BOOST_AUTO_TEST_CASE(the_runners_own_sample_storage_is_not_growth_of_the_process) {
  Toy toy(20);
  sut::SoakPlan plan;
  plan.duration_s = 24 * 3600.0;
  plan.warm_up_s = 3600;
  plan.window_s = 2 * 3600.0;
  plan.sample_interval_s = 2;
  const Soaked s = soak(toy, plan, "storage");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 0);
  for (const auto& series : s.report.at("series")) {
    if (series.at("name") == kMemorySeries) BOOST_TEST(series.at("margin").get<double>() < 0.5);
  }
}

BOOST_AUTO_TEST_CASE(soak_main_answers_help_and_lists_the_services_failpoints) {
  auto run = [](std::vector<const char*> argv, std::string& out) {
    Toy toy;
    std::ostringstream captured;
    std::streambuf* const saved = std::cout.rdbuf(captured.rdbuf());
    const int code = sut::soak_main(toy, static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(saved);
    out = captured.str();
    return code;
  };
  std::string out;
  BOOST_TEST(run({"toy_soak", "--help"}, out) == 0);
  BOOST_TEST(out.find("--process-tolerance") != std::string::npos, out);
  BOOST_TEST(out.find("--duration 21600") != std::string::npos, out);  // the plan's defaults
  BOOST_TEST(run({"toy_soak", "--list-failpoints"}, out) == 0);
  BOOST_TEST(out.find("toy.keep_blobs\tevery request keeps 512 bytes") != std::string::npos, out);
  BOOST_TEST(out.find("toy.leak_fds") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(a_bad_process_tolerance_is_refused_naming_it) {
  const char* argv[] = {"soak", "--process-tolerance", "lots"};
  try {
    sut::plan_from_args(3, argv);
    BOOST_FAIL("--process-tolerance lots was accepted");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("--process-tolerance") != std::string::npos, what);
    BOOST_TEST(what.find("lots") != std::string::npos, what);
  }
  const char* ok[] = {"soak", "--process-tolerance", "1048576"};
  BOOST_TEST(sut::plan_from_args(3, ok).process_absolute_bytes == 1048576.0);
}

// One list of flags: what --help shows as defaults parses back to those
// defaults, every flag it names is one plan_from_args takes, and values are
// read whole (a seed as an integer, not through a double).
BOOST_AUTO_TEST_CASE(soak_mains_help_and_parser_read_the_same_flags) {
  Toy toy;
  std::ostringstream captured;
  std::streambuf* const saved = std::cout.rdbuf(captured.rdbuf());
  const char* help[] = {"toy_soak", "--help"};
  const int code = sut::soak_main(toy, 2, help);
  std::cout.rdbuf(saved);
  BOOST_TEST(code == 0);
  const std::string out = captured.str();
  const std::size_t at = out.find("Defaults:");
  BOOST_TEST_REQUIRE(at != std::string::npos, out);
  std::istringstream defaults(out.substr(at + 9, out.find('\n', at) - at - 9));
  std::vector<std::string> words{"toy_soak"};
  for (std::string w; defaults >> w;) words.push_back(w);
  BOOST_TEST(words.size() == 17u, out);  // eight flags with a default, each with its value
  std::vector<const char*> argv;
  for (const std::string& w : words) argv.push_back(w.c_str());
  const sut::SoakPlan parsed = sut::plan_from_args(static_cast<int>(argv.size()), argv.data());
  const sut::SoakPlan plan;
  BOOST_TEST(parsed.duration_s == plan.duration_s);
  BOOST_TEST(parsed.warm_up_s == plan.warm_up_s);
  BOOST_TEST(parsed.window_s == plan.window_s);
  BOOST_TEST(parsed.sample_interval_s == plan.sample_interval_s);
  BOOST_TEST(parsed.seed == plan.seed);
  BOOST_TEST(parsed.out_dir == plan.out_dir);
  BOOST_TEST(parsed.process_absolute_bytes == plan.process_absolute_bytes);
  BOOST_TEST(parsed.heap_absolute_bytes == plan.heap_absolute_bytes);

  const char* big[] = {"soak", "--seed", "18446744073709551615"};
  BOOST_TEST(sut::plan_from_args(3, big).seed == 18446744073709551615ull);
  for (const char* bad : {"1.5", "-1", "12x", "", "99999999999999999999"}) {
    const char* argv_bad[] = {"soak", "--seed", bad};
    BOOST_CHECK_THROW(sut::plan_from_args(3, argv_bad), std::invalid_argument);
  }
  const char* unknown[] = {"soak", "--durration", "5"};
  try {
    sut::plan_from_args(3, unknown);
    BOOST_FAIL("--durration was accepted");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    for (const char* flag : {"--durration", "--duration", "--process-tolerance", "--failpoint", "--help"})
      BOOST_TEST(what.find(flag) != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_CASE(a_count_that_rises_with_its_load_fails_only_when_it_grows_per_unit_of_load) {
  // Read as it is, the session count's rise is a trend (the control); with
  // the service's count of sessions opened it is level per unit of load,
  // and one session in twenty kept still fails the soak.
  struct Case {
    const char* name;
    bool name_arrivals;
    double kept_share;
    int exit_code;
  };
  for (const Case c : {Case{"drifting-unnamed", false, 0, 1}, Case{"drifting-named", true, 0, 0},
                       Case{"drifting-leaking", true, 0.05, 1}}) {
    DriftingSessions service(c.name_arrivals, c.kept_share);
    const Soaked s = soak(service, sut::SoakPlan{}, c.name);
    BOOST_TEST_INFO(c.name << ": " << s.log);
    BOOST_TEST(s.result.exit_code == c.exit_code);
    BOOST_TEST(has_finding(s.report, "inventory.web.sessions.entries") == (c.exit_code == 1));
    for (const auto& series : s.report.at("series")) {
      if (series.at("name") == "inventory.web.sessions.arrivals") BOOST_TEST(!series.at("judged").get<bool>());
      if (series.at("name") != "inventory.web.sessions.entries") continue;
      BOOST_TEST(series.at("load").is_null() == !c.name_arrivals);
      if (!c.name_arrivals) continue;
      BOOST_TEST(series.at("load").at("arrivals").get<std::string>() == "inventory.web.sessions.arrivals");
      BOOST_TEST(series.at("load").at("growth_follows_load").get<bool>() == (c.exit_code == 0));
    }
  }
}
