#include "engine/core/mutex.h"
#include "engine/plans/plan_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace plateau::engine {
namespace {

// Bumped whenever the table changes; a store of another version is refused
// rather than misread.
constexpr int kSchemaVersion = 1;

constexpr const char* kCreateSchema =
    "CREATE TABLE IF NOT EXISTS plans ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " symbol TEXT NOT NULL,"
    " side TEXT NOT NULL,"
    " quantity_raw INTEGER NOT NULL,"
    " trigger_kind TEXT NOT NULL,"
    " trigger_level_raw INTEGER NOT NULL,"
    " created_at_ns INTEGER NOT NULL,"
    " expires_at_ns INTEGER NOT NULL,"
    " max_retries INTEGER NOT NULL,"
    " retry_count INTEGER NOT NULL,"
    " status TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS plans_by_status ON plans(status);";

constexpr const char* kColumns =
    "id, symbol, side, quantity_raw, trigger_kind, trigger_level_raw, created_at_ns, expires_at_ns, "
    "max_retries, retry_count, status";

bool is_busy_code(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// A failed SQLite call inside a transaction body; run_with_retry decides
// whether it is worth another attempt.
struct SqliteFailure {
  int code;
  std::string message;
};

SqliteFailure failure_of(sqlite3* db, int code) { return {code, sqlite3_errmsg(db)}; }

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    const int code = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (code != SQLITE_OK) throw failure_of(db, code);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, const std::string& text) {
    check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
  }
  void bind(int index, std::string_view text) { bind(index, std::string(text)); }
  void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(stmt_, index, value)); }

  // True while a row is available.
  bool step() {
    const int code = sqlite3_step(stmt_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    throw failure_of(db_, code);
  }

  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  void check(int code) {
    if (code != SQLITE_OK) throw failure_of(db_, code);
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  const int code = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) throw failure_of(db, code);
}

TimePoint time_from_nanos(std::int64_t nanos) { return TimePoint{Duration{nanos}}; }

Plan read_plan(const Statement& row) {
  Plan plan;
  plan.id = row.text(0);
  plan.symbol = row.text(1);
  const auto side = parse_side(row.text(2));
  const auto kind = parse_trigger_kind(row.text(4));
  const auto status = parse_plan_status(row.text(10));
  if (!side || !kind || !status) {
    throw SqliteFailure{SQLITE_CORRUPT, "plan '" + plan.id + "' has an unknown side '" + row.text(2) +
                                            "', trigger kind '" + row.text(4) + "' or status '" +
                                            row.text(10) + "'"};
  }
  plan.side = *side;
  plan.quantity = Fixed::from_raw(row.int64(3));
  plan.trigger = {*kind, Fixed::from_raw(row.int64(5))};
  plan.created_at = time_from_nanos(row.int64(6));
  plan.expires_at = time_from_nanos(row.int64(7));
  plan.max_retries = static_cast<int>(row.int64(8));
  plan.retry_count = static_cast<int>(row.int64(9));
  plan.status = *status;
  return plan;
}

}  // namespace

PlanStore::PlanStore(PlanStoreOptions options) : options_(std::move(options)) {
  if (options_.path.empty())
    throw std::invalid_argument("PlanStoreOptions.path = '': must name a database file");
  if (options_.max_attempts < 1) {
    throw std::invalid_argument("PlanStoreOptions.max_attempts = " + std::to_string(options_.max_attempts) +
                                ": must be at least 1");
  }
  if (options_.page_cache_kib < 16) {
    throw std::invalid_argument("PlanStoreOptions.page_cache_kib = " + std::to_string(options_.page_cache_kib) +
                                ": must be at least 16");
  }
  if (options_.busy_timeout.count() < 0 || options_.initial_backoff.count() < 0 ||
      options_.max_backoff < options_.initial_backoff) {
    throw std::invalid_argument(
        "PlanStoreOptions: busy_timeout and initial_backoff must be >= 0 and "
        "max_backoff >= initial_backoff");
  }
  MutexLock lock(mu_);
  const int code =
      sqlite3_open_v2(options_.path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw PlanStoreError("PlanStore '" + options_.path + "': open failed: " + message, code);
  }
  try {
    sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count()));
    if (options_.unsafe_memory_journal_for_tests) {
      Statement journal(db_, "PRAGMA journal_mode=MEMORY");
      journal.step();
      exec(db_, "PRAGMA synchronous=OFF");
    } else {
      Statement wal(db_, "PRAGMA journal_mode=WAL");
      const std::string mode = wal.step() ? wal.text(0) : std::string();
      // An in-memory database has no WAL; it reports "memory" and is allowed
      // for tests and soak runs that do not need durability.
      if (mode != "wal" && mode != "memory") {
        throw SqliteFailure{SQLITE_ERROR, "journal_mode is '" + mode + "', WAL could not be set"};
      }
    }
    if (!options_.unsafe_memory_journal_for_tests) {
      exec(db_, options_.durable_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    }
    exec(db_, ("PRAGMA cache_size=-" + std::to_string(options_.page_cache_kib)).c_str());
  } catch (const SqliteFailure& failure) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw PlanStoreError("PlanStore '" + options_.path + "': open failed: " + failure.message, failure.code);
  }
  try {
    ensure_schema();
  } catch (const PlanStoreError&) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

PlanStore::~PlanStore() {
  MutexLock lock(mu_);
  sqlite3_close_v2(db_);
}

template <typename Body>
auto PlanStore::run_with_retry(const std::string& operation, bool write, Body&& body) {
  MutexLock lock(mu_);
  auto backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    SqliteFailure failure{SQLITE_OK, {}};
    try {
      // IMMEDIATE takes the write lock up front, so a busy database is met
      // here, before any work, and never half-way through a transaction.
      exec(db_, write ? "BEGIN IMMEDIATE" : "BEGIN");
      try {
        auto result = body(db_);
        exec(db_, "COMMIT");
        return result;
      } catch (const SqliteFailure&) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    } catch (const SqliteFailure& caught) {
      failure = caught;
    }
    if (!is_busy_code(failure.code)) {
      throw PlanStoreError("PlanStore '" + options_.path + "': " + operation + " failed: " + failure.message +
                               " (SQLite code " + std::to_string(failure.code) + ")",
                           failure.code & 0xff);
    }
    if (attempt >= options_.max_attempts) {
      throw PlanStoreError("PlanStore '" + options_.path + "': " + operation +
                               " failed: database still locked (" + failure.message + ") after " +
                               std::to_string(attempt) + " attempts of " +
                               std::to_string(options_.busy_timeout.count()) +
                               " ms busy timeout each; another connection holds the write lock",
                           failure.code & 0xff);
    }
    busy_retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void PlanStore::ensure_schema() {
  // Creating the schema needs the write lock like any write, so it retries
  // on a busy database the same way.
  auto backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    try {
      exec(db_, "BEGIN IMMEDIATE");
      try {
        Statement version(db_, "PRAGMA user_version");
        const std::int64_t found = version.step() ? version.int64(0) : 0;
        if (found == 0) {
          exec(db_, kCreateSchema);
          exec(db_, ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
        } else if (found != kSchemaVersion) {
          throw SqliteFailure{SQLITE_MISMATCH, "schema version " + std::to_string(found) +
                                                   " is not the supported version " +
                                                   std::to_string(kSchemaVersion)};
        }
        exec(db_, "COMMIT");
        return;
      } catch (const SqliteFailure&) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    } catch (const SqliteFailure& failure) {
      if (!is_busy_code(failure.code) || attempt >= options_.max_attempts) {
        throw PlanStoreError(
            "PlanStore '" + options_.path + "': creating the schema failed: " + failure.message,
            failure.code & 0xff);
      }
    }
    busy_retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void PlanStore::add(const Plan& plan) {
  run_with_retry("add plan '" + plan.id + "'", true, [&](sqlite3* db) {
    Statement insert(db, (std::string("INSERT INTO plans (") + kColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
                             .c_str());
    insert.bind(1, plan.id);
    insert.bind(2, plan.symbol);
    insert.bind(3, to_string(plan.side));
    insert.bind(4, plan.quantity.raw());
    insert.bind(5, to_string(plan.trigger.kind));
    insert.bind(6, plan.trigger.level.raw());
    insert.bind(7, static_cast<std::int64_t>(plan.created_at.time_since_epoch().count()));
    insert.bind(8, static_cast<std::int64_t>(plan.expires_at.time_since_epoch().count()));
    insert.bind(9, std::int64_t{plan.max_retries});
    insert.bind(10, std::int64_t{plan.retry_count});
    insert.bind(11, to_string(plan.status));
    insert.step();
    return true;
  });
}

bool PlanStore::update_status(const PlanId& id, PlanStatus status, int retry_count) {
  return run_with_retry(
      "update status of plan '" + id + "' to " + std::string(to_string(status)), true, [&](sqlite3* db) {
        Statement update(db, "UPDATE plans SET status = ?2, retry_count = ?3 WHERE id = ?1");
        update.bind(1, id);
        update.bind(2, to_string(status));
        update.bind(3, std::int64_t{retry_count});
        update.step();
        return sqlite3_changes(db) > 0;
      });
}

bool PlanStore::remove(const PlanId& id) {
  return run_with_retry("remove plan '" + id + "'", true, [&](sqlite3* db) {
    Statement erase(db, "DELETE FROM plans WHERE id = ?1");
    erase.bind(1, id);
    erase.step();
    return sqlite3_changes(db) > 0;
  });
}

std::vector<Plan> PlanStore::load_active() {
  return run_with_retry("load active plans", false, [&](sqlite3* db) {
    Statement select(db, (std::string("SELECT ") + kColumns +
                          " FROM plans WHERE status IN ('active', 'executing') ORDER BY id")
                             .c_str());
    std::vector<Plan> plans;
    while (select.step()) plans.push_back(read_plan(select));
    return plans;
  });
}

std::optional<Plan> PlanStore::find(const PlanId& id) {
  return run_with_retry("find plan '" + id + "'", false, [&](sqlite3* db) {
    Statement select(db, (std::string("SELECT ") + kColumns + " FROM plans WHERE id = ?1").c_str());
    select.bind(1, id);
    std::optional<Plan> plan;
    if (select.step()) plan = read_plan(select);
    return plan;
  });
}

std::size_t PlanStore::prune_terminal(TimePoint expired_before) {
  return run_with_retry("prune terminal plans", true, [&](sqlite3* db) {
    Statement erase(db,
                    "DELETE FROM plans WHERE status IN ('executed', 'failed', 'expired', 'cancelled') "
                    "AND expires_at_ns < ?1");
    erase.bind(1, static_cast<std::int64_t>(expired_before.time_since_epoch().count()));
    erase.step();
    return static_cast<std::size_t>(sqlite3_changes(db));
  });
}

std::size_t PlanStore::count() {
  return run_with_retry("count plans", false, [&](sqlite3* db) {
    Statement select(db, "SELECT COUNT(*) FROM plans");
    return select.step() ? static_cast<std::size_t>(select.int64(0)) : std::size_t{0};
  });
}

}  // namespace plateau::engine
