// AutoExecutor: watches active plans and executes each one when its trigger
// condition is met (seed 000).
//
// A monitor cycle is split in two so a harness can interleave other threads at
// the exact point the seed's race lived: begin_cycle(now) copies the active
// plans into a CycleSnapshot; finish_cycle(snapshot, now) fetches prices and
// one-minute candles, then for each snapshot plan re-checks under the lock
// that it is still active before expiring or executing it. Execution takes the
// plan's execution lock, marks it executing, calls the PlanTradeSink without
// holding the executor lock, and then marks it executed, or counts a failed
// attempt (retried next cycle, kFailed after max_retries). Every status change
// is written to the PlanStore before memory changes (the store's busy wait
// blocks the executor for that long). One private
// release_plan_resources(plan_id, symbol) drops the plan and everything kept
// for it (execution lock, executing mark, and the symbol's M1 cache, cache
// timestamp, last-signal time and confidence history when no other active
// plan uses the symbol) on every exit path: expired, executed, failed after
// max retries, cancelled, dropped on reload. maintain(now) runs the cleanup
// every cleanup_interval (the first call runs it at once):
// orphaned execution locks and executing marks, and symbol-keyed entries
// (including invalid symbols) of symbols no active plan uses. A symbol is
// marked invalid when its price lookup fails; it is not asked again for
// invalid_symbol_retry_interval, and the mark is cleared when a plan on it
// executes or by the cleanup. The cleanup also deletes from the store the
// terminal plans that expired more than history_retention ago. Failpoints
// plans.* put each seed bug back.
//
// Thread safety: every public method may be called from any thread at any
// time (plans added and cancelled while cycles run). One mutex mu_ guards all
// state; ports are called without it. The store, market, sink and failpoints
// passed in must outlive the executor.
// Invariants (failpoints off): every key of execution_locks_ and
// executing_plans_ is an active plan; after a cleanup every symbol-keyed entry
// belongs to a symbol with an active plan; each confidence history holds at
// most confidence_history_length samples; a plan is acted on only while active.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/plans/plan.h"
#include "engine/plans/plan_ports.h"
#include "engine/plans/plan_store.h"

namespace plateau::engine {

struct AutoExecutorOptions {
  // How often maintain() sweeps orphans and unused symbols (seed: hourly).
  Duration cleanup_interval = std::chrono::hours(1);
  // Terminal plans stay in the store as history this long past their expiry.
  Duration history_retention = std::chrono::hours(24);
  // Candles of a symbol are fetched again once the cached copy is this old.
  Duration m1_refresh_interval = std::chrono::minutes(1);
  // Samples of confidence kept per symbol (>= 1).
  std::size_t confidence_history_length = 64;
  // A symbol whose price lookup failed is not asked again for this long.
  Duration invalid_symbol_retry_interval = std::chrono::minutes(5);
  // A met trigger executes only if the share of cached M1 closes that also
  // meet it is at least this (0 = always; 1 = every cached close).
  Fixed min_confidence;
  // Failpoint plans.undeclared_error_notes: bytes of each failure note kept.
  std::size_t undeclared_error_note_bytes = 192;
};

// The active plans as begin_cycle() saw them, oldest first (created_at, then id):
// the order finish_cycle() acts on them.
struct CycleSnapshot {
  TimePoint taken_at{};
  std::vector<Plan> plans;
};

enum class CancelResult : std::uint8_t {
  kCancelled,
  kNotFound,   // unknown id, or already terminal
  kExecuting,  // a trade for it is in flight; try again after the cycle
};

struct ReloadResult {
  std::size_t added = 0;    // in the store, not in memory
  std::size_t dropped = 0;  // in memory, no longer active in the store
};

struct AutoExecutorStats {
  std::uint64_t added = 0;  // plans watched: added, or reloaded from the store
  std::uint64_t cycles = 0;
  std::uint64_t executed = 0;
  std::uint64_t failed = 0;  // plans failed after max_retries
  std::uint64_t expired = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t dropped_on_reload = 0;
  std::uint64_t execution_failures = 0;  // failed attempts, retried or not
  std::uint64_t price_failures = 0;      // symbol lookups that gave no price
  std::uint64_t store_errors = 0;        // store writes that threw (status in a cycle, history pruning)
  std::uint64_t cleanups = 0;
  std::uint64_t history_pruned = 0;  // terminal plans deleted from the store
  std::uint64_t acted_on_removed_plan = 0;  // invariant: must stay zero
  std::size_t active_plans = 0;
};

class AutoExecutor {
 public:
  // Does not read the store: call reload_from_store(now) once at start.
  AutoExecutor(PlanStore& store, PlanMarket& market, PlanTradeSink& sink, const Failpoints& failpoints,
               AutoExecutorOptions options = {});
  AutoExecutor(const AutoExecutor&) = delete;
  AutoExecutor& operator=(const AutoExecutor&) = delete;

  // Validates (std::invalid_argument), refuses an id already held
  // (std::invalid_argument), writes the store (PlanStoreError), then watches it.
  void add_plan(const Plan& plan);
  // Marks the plan cancelled in the store, then releases it.
  CancelResult cancel_plan(const PlanId& id);

  CycleSnapshot begin_cycle(TimePoint now);
  void finish_cycle(const CycleSnapshot& snapshot, TimePoint now);
  void monitor(TimePoint now) { finish_cycle(begin_cycle(now), now); }

  // Runs cleanup(now) when cleanup_interval has passed since the last one.
  void maintain(TimePoint now);
  void cleanup(TimePoint now);

  // Makes memory match the store's active plans: adds those missing, drops
  // (and releases) those the store no longer has as active. A plan stored as
  // kExecuting (a crash mid-trade) comes back as active; one already past its
  // expires_at is marked kExpired in the store instead. Throws PlanStoreError.
  ReloadResult reload_from_store(TimePoint now);

  std::optional<Plan> find(const PlanId& id) const;
  // By plan id.
  std::vector<Plan> active_plans() const;
  AutoExecutorStats stats() const;

  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

 private:
  struct ExecutionLock {
    std::shared_ptr<std::mutex> mutex;
    TimePoint created_at{};
  };
  // The one exit path of every plan: drops it from active_plans_ and from
  // everything kept for it; `symbol` is its symbol, whose state goes too when
  // no other active plan uses it. Idempotent.
  void release_plan_resources(const PlanId& id, const Symbol& symbol) REQUIRES(mu_);
  // Adds `plan` to active_plans_ and counts it for its symbol.
  void watch(Plan plan) REQUIRES(mu_);
  bool symbol_in_use(const Symbol& symbol) const REQUIRES(mu_);
  void drop_symbol_state(const Symbol& symbol) REQUIRES(mu_);
  void record_confidence(const Symbol& symbol, Fixed confidence) REQUIRES(mu_);
  Fixed confidence_of(const Plan& plan) const REQUIRES(mu_);
  void cleanup_locked(TimePoint now) REQUIRES(mu_);
  bool write_status(const Plan& plan) REQUIRES(mu_);
  // Re-checks, then expires or executes one snapshot plan; `price` is the
  // symbol's price this cycle, if it has one.
  void process_plan(const Plan& snapshot_plan, const std::optional<Fixed>& price, TimePoint now)
      EXCLUDES(mu_);
  bool on(Failpoint fp) const noexcept { return failpoints_.on(fp); }
  // plans.undeclared_error_notes: keeps a note of a failed execution in
  // undeclared_error_notes_, which no inventory() or audit() reports. Out of
  // line so heap profiles name it.
  __attribute__((noinline)) void keep_error_note_undeclared(const Plan& plan, const std::string& error)
      REQUIRES(mu_);

  PlanStore& store_;
  PlanMarket& market_;
  PlanTradeSink& sink_;
  const Failpoints& failpoints_;
  const AutoExecutorOptions options_;

  mutable Mutex mu_;
  std::unordered_map<PlanId, Plan> active_plans_ GUARDED_BY(mu_);  // status kActive or kExecuting
  // Active plans per symbol (symbols with none are absent): answers "does
  // any plan still use this symbol?" without walking active_plans_, which
  // every cycle asks once per symbol.
  std::unordered_map<Symbol, std::size_t> plans_per_symbol_ GUARDED_BY(mu_);
  std::unordered_map<PlanId, ExecutionLock> execution_locks_ GUARDED_BY(mu_);
  std::unordered_map<PlanId, TimePoint> executing_plans_ GUARDED_BY(mu_);  // -> since
  std::unordered_map<Symbol, TimePoint> invalid_symbols_ GUARDED_BY(mu_);  // -> last failed lookup
  std::unordered_map<Symbol, std::vector<M1Candle>> m1_cache_ GUARDED_BY(mu_);
  std::unordered_map<Symbol, TimePoint> m1_cache_timestamps_ GUARDED_BY(mu_);
  std::unordered_map<Symbol, TimePoint> last_signal_times_ GUARDED_BY(mu_);
  std::unordered_map<Symbol, std::deque<Fixed>> confidence_history_ GUARDED_BY(mu_);
  std::optional<TimePoint> last_cleanup_ GUARDED_BY(mu_);
  AutoExecutorStats stats_ GUARDED_BY(mu_);
  std::vector<std::string> undeclared_error_notes_ GUARDED_BY(mu_);  // deliberately undeclared
};

}  // namespace plateau::engine
