// PlanStore crash test: a forked writer is SIGKILLed at random instants
// (seeded, so a failure replays) while it adds, updates and removes plans,
// each in its own transaction. After every kill the parent reopens the store
// and checks it against the writes the child reported as returned:
//   - SQLite's integrity_check passes (table and index agree);
//   - every plan whose add returned is there, with the status of its last
//     returned update, and every returned remove is gone (no committed plan
//     lost);
//   - nothing else is there except the one write in flight at the kill,
//     which may be either before or after (none duplicated, none invented);
//   - load_active() (which reads through the status index) returns exactly
//     the model's active plans.
// The same rounds on the unsafe setting (memory journal, synchronous=OFF)
// must find a torn transaction: that case shows the test can see one.
#define BOOST_TEST_MODULE engine_plans_store_crash
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "engine/plans/plan_store.h"
#include "tests/engine/plans/plans_test_support.h"

using namespace plateau::engine;
using namespace plateau::engine::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kRounds = 150;            // per synchronous level: 300 kills in all
constexpr int kMaxUnsafeRounds = 1000;  // a tear shows in about 1 round of 50
constexpr std::uint64_t kSeed = 20261201;

PlanStoreOptions options_for(const std::string& path, bool durable, bool unsafe) {
  PlanStoreOptions options;
  options.path = path;
  options.durable_sync = durable;
  options.unsafe_memory_journal_for_tests = unsafe;
  return options;
}

// What the writer reports: "? op id status" before a write, "! " after it
// returned. ops: a(dd) u(pdate) r(emove).
void say(int fd, char mark, char op, const std::string& id, PlanStatus status) {
  const std::string line =
      std::string(1, mark) + " " + op + " " + id + " " + std::string(to_string(status)) + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
}

// The child: writes until killed. Never returns.
[[noreturn]] void writer(const PlanStoreOptions& options, int fd, int round, std::uint64_t seed) {
  try {
    PlanStore store(options);
    std::mt19937_64 rng(seed);
    std::vector<PlanId> mine;
    const char ready = 'R';
    if (::write(fd, &ready, 1) != 1) ::_exit(3);
    for (int n = 0;; ++n) {
      const auto pick = rng() % 10;
      if (mine.empty() || pick < 5) {
        Plan plan = make_plan("r" + std::to_string(round) + "-" + std::to_string(n),
                              "SYM" + std::to_string(n % 7), money("100"), at_seconds(n));
        say(fd, '?', 'a', plan.id, plan.status);
        store.add(plan);
        say(fd, '!', 'a', plan.id, plan.status);
        mine.push_back(plan.id);
      } else if (pick < 8) {
        const PlanId& id = mine[rng() % mine.size()];
        const PlanStatus status = pick == 5   ? PlanStatus::kExecuting
                                  : pick == 6 ? PlanStatus::kExecuted
                                              : PlanStatus::kActive;
        say(fd, '?', 'u', id, status);
        store.update_status(id, status, static_cast<int>(n % 3));
        say(fd, '!', 'u', id, status);
      } else {
        const std::size_t at = rng() % mine.size();
        const PlanId id = mine[at];
        say(fd, '?', 'r', id, PlanStatus::kActive);
        store.remove(id);
        say(fd, '!', 'r', id, PlanStatus::kActive);
        mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(at));
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer: %s\n", e.what());
    ::_exit(4);
  }
}

struct Outcome {
  int rounds = 0;
  int violations = 0;
  std::string first_violation;
  int killed_mid_write = 0;  // rounds whose kill landed between "?" and "!"
};

std::string integrity(const std::string& path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    result.clear();
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        result += ";";
      }
    } else {
      result = sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

// Every row's id and status, read directly (a full table scan, not the index).
std::map<PlanId, PlanStatus> all_rows(const std::string& path) {
  std::map<PlanId, PlanStatus> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT id, status FROM plans", -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto status = parse_plan_status(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
        rows[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] =
            status.value_or(PlanStatus::kFailed);
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return rows;
}

// Runs the rounds on one database and counts rounds that break a promise.
Outcome crash_rounds(const PlanStoreOptions& options, int rounds, std::uint64_t seed,
                     bool stop_at_first = false) {
  Outcome out;
  std::map<PlanId, PlanStatus> model;  // committed state
  std::mt19937_64 rng(seed);
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    const std::uint64_t child_seed = rng();
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      writer(options, fds[1], round, child_seed);
    }
    ::close(fds[1]);
    char ready = 0;
    BOOST_REQUIRE(::read(fds[0], &ready, 1) == 1);
    // A random instant within the first few milliseconds of writing.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    ::kill(pid, SIGKILL);
    int wait_status = 0;
    ::waitpid(pid, &wait_status, 0);
    BOOST_REQUIRE_MESSAGE(WIFSIGNALED(wait_status),
                          "writer ended by itself (status " << wait_status << ") in round " << round);

    std::string log;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
      log.append(buffer, static_cast<std::size_t>(n));
    ::close(fds[0]);
    // Apply every returned write; keep the last one begun but not returned.
    std::istringstream lines(log);
    std::string line;
    std::optional<std::tuple<char, PlanId, PlanStatus>> in_flight;
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      char mark = 0, op = 0;
      std::string id, status_text;
      words >> mark >> op >> id >> status_text;
      if (!words) continue;  // a line cut by the kill: its write had not returned
      const PlanStatus written = *parse_plan_status(status_text);
      if (mark == '?') {
        in_flight = std::make_tuple(op, id, written);
        continue;
      }
      in_flight.reset();
      if (op == 'a' || op == 'u') model[id] = written;
      if (op == 'r') model.erase(id);
    }
    if (in_flight) ++out.killed_mid_write;

    ++out.rounds;
    std::string violation;
    const std::string check = integrity(options.path);
    if (check != "ok;") violation = "integrity_check: " + check;
    if (violation.empty()) {
      try {
        PlanStore store(options);
        // The in-flight write may have landed or not; take what the store says.
        std::map<PlanId, PlanStatus> after = model;
        std::map<PlanId, PlanStatus> alternative = model;
        if (in_flight) {
          const auto& [op, id, next] = *in_flight;
          if (op == 'a' || op == 'u') alternative[id] = next;
          if (op == 'r') alternative.erase(id);
        }
        const std::map<PlanId, PlanStatus> stored = all_rows(options.path);
        const std::size_t active_loaded = store.load_active().size();
        auto matches = [&](const std::map<PlanId, PlanStatus>& expected) {
          std::size_t active = 0;
          for (const auto& entry : expected) {
            active += entry.second == PlanStatus::kActive || entry.second == PlanStatus::kExecuting;
          }
          return stored == expected && store.count() == expected.size() && active_loaded == active;
        };
        if (matches(after)) {
          model = after;
        } else if (in_flight && matches(alternative)) {
          model = alternative;
        } else {
          std::ostringstream why;
          why << "round " << round << ": store holds " << store.count() << " plans, the returned writes say "
              << model.size();
          for (const auto& entry : model) {
            if (!stored.contains(entry.first)) {
              why << "; committed plan " << entry.first << " lost";
              break;
            }
          }
          violation = why.str();
        }
      } catch (const std::exception& e) {
        violation = std::string("reopen/read failed: ") + e.what();
      }
    }
    if (!violation.empty()) {
      if (out.violations++ == 0) out.first_violation = "round " + std::to_string(round) + ": " + violation;
      if (stop_at_first) break;
      // Start the next round from what is there, so one tear is counted once.
      std::remove(options.path.c_str());
      std::remove((options.path + "-wal").c_str());
      std::remove((options.path + "-shm").c_str());
      model.clear();
    }
  }
  return out;
}

// The database lives in /dev/shm when there is one: a SIGKILL tests what
// the process leaves behind, not the disk, and the page cache is the same
// on tmpfs; without a disk's fsyncs a round costs milliseconds, not tens.
class ShmDir {
 public:
  ShmDir() {
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    std::string pattern = (base / "plateau-crash-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~ShmDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_writer_killed_mid_transaction_loses_and_duplicates_nothing) {
  for (const bool durable : {true, false}) {
    ShmDir dir;
    const auto started = std::chrono::steady_clock::now();
    const Outcome o = crash_rounds(options_for(dir.file("plans.db"), durable, false), kRounds, kSeed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    BOOST_TEST_MESSAGE("synchronous=" << (durable ? "FULL" : "NORMAL") << ": " << o.rounds << " rounds, "
                                      << o.killed_mid_write << " killed mid-write, " << o.violations
                                      << " violations, " << seconds << " s");
    BOOST_TEST(o.violations == 0, o.first_violation);
    // The kills do land inside writes, or the test would prove nothing.
    BOOST_TEST(o.killed_mid_write > o.rounds / 2);
  }
}

// The proof that the kills can tear an unsafe store depends on where they
// land; a sanitizer's slowdown moves them (under ASan no tear was found in
// 1000 rounds), so the proof runs in the uninstrumented builds only.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
BOOST_AUTO_TEST_CASE(the_test_sees_torn_transactions_of_an_unsafe_store) {
  ShmDir dir;
  const Outcome o =
      crash_rounds(options_for(dir.file("plans.db"), false, true), kMaxUnsafeRounds, kSeed, true);
  BOOST_TEST_MESSAGE("memory journal, synchronous=OFF: " << o.rounds << " rounds, " << o.killed_mid_write
                                                         << " killed mid-write, " << o.violations
                                                         << " violations; first: " << o.first_violation);
  BOOST_TEST(o.violations > 0);
}
#endif
