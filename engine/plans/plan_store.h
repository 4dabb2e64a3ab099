// PlanStore: SQLite persistence of plans, the copy that survives a restart.
//
// One SQLite database file in WAL mode, one connection. Every write is one
// transaction begun with BEGIN IMMEDIATE, so it is all there or not at all,
// and a plan whose write returned is there after a crash and reopen. When
// another connection holds the write lock, SQLite itself waits up to
// `busy_timeout`; if the lock is still held, the whole transaction is retried
// after a real sleep (exponential backoff, it is a real lock held by a real
// process, so the engine Clock is not used) up to `max_attempts` times, then
// PlanStoreError says so. Other errors are PlanStoreError at once, with the
// path, the operation and SQLite's message.
//
// Crash and power-loss semantics (tested by plan_store_crash_test, which
// SIGKILLs a forked writer at random points mid-transaction for hundreds of
// rounds): the journal is a write-ahead log, so a transaction is either
// wholly in the database after reopening or not at all, whatever instant the
// process dies at. Whether a *returned* write also survives losing power is
// the synchronous level: durable_sync=true (synchronous=FULL) fsyncs the WAL
// at every commit, so a returned write survives power loss; false
// (synchronous=NORMAL, what the engine uses: engine_config.h) fsyncs only at
// checkpoints, so a returned write survives a crash of the process (the OS
// still holds the page) but the last transactions before a power cut may be
// rolled back; the file is never corrupted either way. The one setting that
// loses atomicity even on a process crash is a memory journal with
// synchronous=OFF (unsafe_memory_journal_for_tests): the crash test fails on
// it, which is how it shows it can see a torn transaction.
//
// Thread safety: every method may be called from any thread; calls are
// serialised on an internal mutex (a busy wait blocks other callers too).
// Invariants: at most one row per plan id; a status written is the status read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/plans/plan.h"

struct sqlite3;

namespace plateau::engine {

class PlanStoreError : public std::runtime_error {
 public:
  PlanStoreError(const std::string& message, int sqlite_code)
      : std::runtime_error(message), sqlite_code_(sqlite_code) {}
  // The primary SQLite result code (e.g. SQLITE_BUSY = 5), 0 if none.
  int sqlite_code() const noexcept { return sqlite_code_; }
  bool is_busy() const noexcept { return sqlite_code_ == 5 || sqlite_code_ == 6; }

 private:
  int sqlite_code_;
};

struct PlanStoreOptions {
  std::string path;  // database file; created if missing
  // How long SQLite waits on a held lock before reporting it busy.
  std::chrono::milliseconds busy_timeout{5000};
  // Attempts of one operation while the database stays busy (>= 1).
  int max_attempts = 5;
  // Sleep before the 2nd attempt; doubled each further attempt, capped.
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // synchronous=FULL (true) also survives power loss; NORMAL (false) survives
  // a process crash, which is what soak runs need, and is faster.
  bool durable_sync = true;
  // SQLite's page cache for this connection, in KiB (PRAGMA cache_size).
  // Terminal plans stay in the table as history until prune_terminal()
  // deletes them; the page cache is what the table costs in memory, and it
  // is capped here so it fills early and then stays flat.
  int page_cache_kib = 256;
  // TEST ONLY: journal_mode=MEMORY and synchronous=OFF, so a process killed
  // while committing leaves a torn database. Exists so the crash test can
  // prove it detects exactly that; never set it for data you want back.
  bool unsafe_memory_journal_for_tests = false;
};

class PlanStore {
 public:
  // Opens (creating if needed) the database and its schema. Throws
  // PlanStoreError if the file cannot be opened, is not a plan store of a
  // known schema version, or WAL mode cannot be set; std::invalid_argument on
  // bad options.
  explicit PlanStore(PlanStoreOptions options);
  ~PlanStore();
  PlanStore(const PlanStore&) = delete;
  PlanStore& operator=(const PlanStore&) = delete;

  // Inserts a new plan. Throws PlanStoreError if the id is already stored.
  void add(const Plan& plan);
  // Sets status and retry count; false if no plan has that id.
  bool update_status(const PlanId& id, PlanStatus status, int retry_count);
  // Deletes the plan's row; false if there was none.
  bool remove(const PlanId& id);
  // Plans whose status is kActive or kExecuting, ordered by id. A plan
  // stored as kExecuting was interrupted mid-trade; the caller decides.
  std::vector<Plan> load_active();
  std::optional<Plan> find(const PlanId& id);
  // Deletes terminal plans (executed, failed, expired, cancelled) whose
  // expiry lies before `expired_before`: the history a long-running service
  // keeps must end somewhere, or the file grows for as long as it runs.
  // Active and executing plans are never touched. Returns the rows deleted.
  std::size_t prune_terminal(TimePoint expired_before);
  // Rows of every status.
  std::size_t count();

  const std::string& path() const noexcept { return options_.path; }
  // Transactions retried because the database was busy, since opening.
  std::uint64_t busy_retries() const noexcept { return busy_retries_.load(std::memory_order_relaxed); }

 private:
  // Runs body(db) in one transaction, retrying the whole of it while the
  // database is busy; `operation` names it in error messages.
  template <typename Body>
  auto run_with_retry(const std::string& operation, bool write, Body&& body) EXCLUDES(mu_);
  void ensure_schema() REQUIRES(mu_);

  const PlanStoreOptions options_;
  Mutex mu_;
  sqlite3* db_ GUARDED_BY(mu_) = nullptr;
  std::atomic<std::uint64_t> busy_retries_{0};
};

}  // namespace plateau::engine
