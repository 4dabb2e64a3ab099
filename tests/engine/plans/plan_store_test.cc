#define BOOST_TEST_MODULE engine_plans_store
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "engine/plans/plan_store.h"
#include "tests/engine/plans/plans_test_support.h"

using namespace plateau::engine;
using namespace plateau::engine::testing;
using namespace std::chrono_literals;

namespace {

PlanStoreOptions options_for(const std::string& path) {
  PlanStoreOptions options;
  options.path = path;
  options.busy_timeout = 100ms;
  options.max_attempts = 3;
  options.initial_backoff = 10ms;
  options.max_backoff = 40ms;
  options.durable_sync = false;
  return options;
}

// A second connection to the same file that takes the write lock and keeps
// it, as another process would.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) {
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  ~WriteLockHolder() {
    release();
    sqlite3_close(db_);
  }
  void release() {
    if (held_.exchange(false)) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_ = nullptr;
  std::atomic<bool> held_{true};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(plan_store)

BOOST_AUTO_TEST_CASE(round_trips_every_field_and_tracks_status) {
  TempDir dir;
  PlanStore store(options_for(dir.file("plans.db")));
  Plan plan = make_plan("p1", "BTCUSDT", money("64250.12345678"), at_seconds(1000), 90min, 4,
                        TriggerKind::kPriceAtOrBelow);
  plan.side = Side::kSell;
  store.add(plan);

  auto read = store.find("p1");
  BOOST_REQUIRE(read);
  BOOST_TEST(read->symbol == "BTCUSDT");
  BOOST_TEST((read->side == Side::kSell));
  BOOST_TEST((read->quantity == plan.quantity));
  BOOST_TEST((read->trigger.kind == TriggerKind::kPriceAtOrBelow));
  BOOST_TEST((read->trigger.level == plan.trigger.level));
  BOOST_TEST((read->created_at == plan.created_at));
  BOOST_TEST((read->expires_at == plan.expires_at));
  BOOST_TEST(read->max_retries == 4);
  BOOST_TEST((read->status == PlanStatus::kActive));

  BOOST_TEST(store.update_status("p1", PlanStatus::kExecuting, 2));
  BOOST_TEST(store.load_active().size() == 1u);  // executing still counts as active
  BOOST_TEST(store.update_status("p1", PlanStatus::kCancelled, 2));
  BOOST_TEST(store.load_active().empty());
  BOOST_TEST(store.find("p1")->retry_count == 2);
  BOOST_TEST(!store.update_status("missing", PlanStatus::kExpired, 0));
  BOOST_TEST(store.remove("p1"));
  BOOST_TEST(!store.remove("p1"));
  BOOST_TEST(store.count() == 0u);
}

BOOST_AUTO_TEST_CASE(prune_deletes_only_terminal_plans_expired_before_the_cutoff) {
  TempDir dir;
  PlanStore store(options_for(dir.file("plans.db")));
  // Expiries at 1h, 2h and 3h; one plan per state.
  const std::pair<const char*, PlanStatus> plans[] = {
      {"old-executed", PlanStatus::kExecuted}, {"old-cancelled", PlanStatus::kCancelled},
      {"old-active", PlanStatus::kActive},     {"old-executing", PlanStatus::kExecuting},
      {"old-failed", PlanStatus::kFailed},     {"old-expired", PlanStatus::kExpired}};
  for (const auto& [id, status] : plans) {
    store.add(make_plan(id, "BTC", money("1"), at_seconds(0), 1h));
    store.update_status(id, status, 0);
  }
  store.add(make_plan("new-executed", "BTC", money("1"), at_seconds(0), 3h));
  store.update_status("new-executed", PlanStatus::kExecuted, 0);

  BOOST_TEST(store.prune_terminal(at_seconds(0) + 2h) == 4u);  // the four old terminal ones
  BOOST_TEST(store.count() == 3u);
  BOOST_TEST(store.find("old-active").has_value());  // never touched, whatever its expiry
  BOOST_TEST(store.find("old-executing").has_value());
  BOOST_TEST(store.find("new-executed").has_value());  // expired after the cutoff
  BOOST_TEST(store.load_active().size() == 2u);
  BOOST_TEST(store.prune_terminal(at_seconds(0) + 2h) == 0u);
}

BOOST_AUTO_TEST_CASE(duplicate_id_is_refused_with_the_id_in_the_message) {
  TempDir dir;
  PlanStore store(options_for(dir.file("plans.db")));
  store.add(make_plan("p1", "ETH", money("10"), at_seconds(0)));
  try {
    store.add(make_plan("p1", "ETH", money("11"), at_seconds(0)));
    BOOST_FAIL("a duplicate id was stored");
  } catch (const PlanStoreError& error) {
    BOOST_TEST(std::string(error.what()).find("add plan 'p1'") != std::string::npos, error.what());
    BOOST_TEST(!error.is_busy());
  }
  BOOST_TEST(store.count() == 1u);
}

BOOST_AUTO_TEST_CASE(plans_committed_before_a_crash_are_there_after_reopening) {
  TempDir dir;
  const std::string path = dir.file("plans.db");
  constexpr int kPlans = 40;
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // The child commits plans and dies without closing the database or
    // checkpointing the WAL, like a crashed engine.
    int code = 0;
    try {
      PlanStoreOptions options = options_for(path);
      options.durable_sync = true;
      auto* store = new PlanStore(options);
      for (int i = 0; i < kPlans; ++i) {
        store->add(
            make_plan("p" + std::to_string(i), "SYM" + std::to_string(i % 3), money("5"), at_seconds(i)));
      }
      store->update_status("p0", PlanStatus::kCancelled, 0);
    } catch (...) {
      code = 3;
    }
    _exit(code);
  }
  int status = 0;
  BOOST_REQUIRE(waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_REQUIRE(WEXITSTATUS(status) == 0);

  PlanStore reopened(options_for(path));
  BOOST_TEST(reopened.count() == static_cast<std::size_t>(kPlans));
  const auto active = reopened.load_active();
  BOOST_TEST(active.size() == static_cast<std::size_t>(kPlans - 1));
  BOOST_TEST((reopened.find("p0")->status == PlanStatus::kCancelled));
  BOOST_TEST(reopened.find("p39")->symbol == "SYM0");
}

BOOST_AUTO_TEST_CASE(a_held_write_lock_makes_writes_retry_then_succeed_once_released) {
  TempDir dir;
  const std::string path = dir.file("plans.db");
  PlanStoreOptions options = options_for(path);
  options.max_attempts = 50;
  PlanStore store(options);

  WriteLockHolder holder(path);
  // Released only once the store has demonstrably retried, so the test does
  // not depend on how long anything takes.
  std::thread releaser([&] {
    while (store.busy_retries() < 2) std::this_thread::sleep_for(5ms);
    holder.release();
  });
  store.add(make_plan("p1", "BTC", money("100"), at_seconds(0)));
  releaser.join();

  BOOST_TEST(store.busy_retries() >= 2u);
  BOOST_TEST(store.count() == 1u);
  BOOST_TEST(store.load_active().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_lock_held_past_every_retry_is_a_clear_error_and_nothing_is_half_written) {
  TempDir dir;
  const std::string path = dir.file("plans.db");
  PlanStore store(options_for(path));
  store.add(make_plan("p0", "BTC", money("100"), at_seconds(0)));
  {
    WriteLockHolder holder(path);
    try {
      store.add(make_plan("p1", "BTC", money("100"), at_seconds(0)));
      BOOST_FAIL("a write succeeded while another connection held the write lock");
    } catch (const PlanStoreError& error) {
      const std::string message = error.what();
      BOOST_TEST(error.is_busy());
      BOOST_TEST(message.find(path) != std::string::npos, message);
      BOOST_TEST(message.find("add plan 'p1'") != std::string::npos, message);
      BOOST_TEST(message.find("after 3 attempts") != std::string::npos, message);
    }
    BOOST_CHECK_THROW(store.update_status("p0", PlanStatus::kCancelled, 0), PlanStoreError);
    BOOST_TEST(store.busy_retries() == 4u);  // two retries per failed operation
  }
  // Nothing of the failed writes is there; doing them again works once.
  BOOST_TEST(store.count() == 1u);
  BOOST_TEST((store.find("p0")->status == PlanStatus::kActive));
  store.add(make_plan("p1", "BTC", money("100"), at_seconds(0)));
  BOOST_TEST(store.update_status("p0", PlanStatus::kCancelled, 0));
  BOOST_TEST(store.count() == 2u);
  BOOST_TEST(store.load_active().size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_unknown_schema_version_is_refused) {
  TempDir dir;
  const std::string path = dir.file("plans.db");
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=7", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    PlanStore store(options_for(path));
    BOOST_FAIL("a store of schema version 7 was opened");
  } catch (const PlanStoreError& error) {
    BOOST_TEST(std::string(error.what()).find("schema version 7") != std::string::npos, error.what());
  }
}

BOOST_AUTO_TEST_CASE(bad_options_name_the_field) {
  PlanStoreOptions options;
  BOOST_CHECK_THROW(PlanStore{options}, std::invalid_argument);
  options.path = "/tmp/unused.db";
  options.max_attempts = 0;
  try {
    PlanStore store(options);
    BOOST_FAIL("max_attempts 0 accepted");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()).find("max_attempts") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
