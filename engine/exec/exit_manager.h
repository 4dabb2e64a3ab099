// ExitManager: takes positions out, at most one exit per symbol at a time
// (seed 004 H1).
//
// execute_exit() registers an intent for the symbol in `pending_exit_intents`
// before it does anything else; a second exit for a symbol whose intent is
// registered returns at once with reason "exit_already_in_progress" (counted
// as exits_deduplicated). The exit then sends an ExitOrder for the held
// quantity (or the requested part of it) through the ExitVenue; on success it
// reduces or closes the position in the Portfolio (whose change listener
// invalidates PrioritySymbols). The intent is released on every path —
// success, refusal, exception — by a scope guard. Failpoint
// exits.leak_intent_on_failure puts the seed's bug back: a refused or
// throwing exit leaves its intent registered, and every later exit for that
// symbol comes back "exit_already_in_progress".
//
// Reasons in ExitResult: "exit_submitted" (success), "exit_already_in_progress",
// "invalid_request", "no_position", "venue_rejected", "venue_exception".
//
// Invariant counters: duplicate_exits counts exits that reached the venue
// while another exit for the same symbol was still there, measured by a
// per-symbol in-flight count kept apart from the registry (so a broken
// registry cannot hide it). stale_exit_intents (recomputed by maintain(now))
// is the number of intents registered for longer than `stale_intent_age`; and
// exits_blocked_by_stale_intent counts exits refused because of such an
// intent. Audit: "pending_exit_intents" by symbol, EntityKind::kExitIntent,
// stored_at = when the exit began, max_age = stale_intent_age.
//
// Thread safety: every method may be called from any thread. No lock is held
// while the venue or the Portfolio is called.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/core/undeclared_resources.h"
#include "engine/exec/exit_venue.h"

namespace plateau::engine {

class Portfolio;

struct ExitManagerOptions {
  // An intent older than this is stuck: a real exit takes seconds.
  Duration stale_intent_age = std::chrono::seconds(60);
  // Failpoint exits.undeclared_thread_leak: one leaked thread per this many
  // failed exits (>= 1).
  std::uint32_t undeclared_thread_leak_every_failures = 8;
};

struct ExitRequest {
  Symbol symbol;
  std::optional<Fixed> qty;  // positive; nullopt: the whole position
  std::string reason;        // e.g. "stop_loss", "take_profit", "manual"
};

struct ExitResult {
  bool success = false;
  std::string reason;  // one of the reasons listed above
  std::string error;   // empty on success; else what went wrong, naming the symbol
  std::optional<OrderId> order_id;
};

// What the registry remembers about an exit under way.
struct ExitIntent {
  Symbol symbol;
  Fixed qty;  // as requested; zero: the whole position
  std::string reason;
  TimePoint started_at{};
  std::uint64_t attempt = 0;  // the exit attempt number that registered it
};

class ExitManager {
 public:
  // All three must outlive the manager.
  ExitManager(const Failpoints& failpoints, ExitVenue& venue, Portfolio& portfolio,
              ExitManagerOptions options = {});
  ExitManager(const ExitManager&) = delete;
  ExitManager& operator=(const ExitManager&) = delete;

  ExitResult execute_exit(const ExitRequest& request, TimePoint now);

  // Recomputes stale_exit_intents; returns it.
  std::size_t maintain(TimePoint now);

  std::optional<ExitIntent> pending_intent(const Symbol& symbol) const;
  std::size_t pending_count() const;

  std::uint64_t exits_succeeded() const;
  std::uint64_t exits_failed() const;
  std::uint64_t exits_deduplicated() const;
  std::uint64_t duplicate_exits() const;
  std::uint64_t stale_exit_intents() const;

  // Container "pending_exit_intents" (component "exits"); counters
  // exits_started, exits_succeeded, exits_failed, exits_deduplicated (health),
  // duplicate_exits, stale_exit_intents, exits_blocked_by_stale_intent (invariant).
  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

 private:
  // Releases the intent when the exit ends, however it ends.
  class IntentGuard;

  ExitResult run_exit(const ExitRequest& request, TimePoint now, bool& venue_failed);
  void enter_venue(const Symbol& symbol);
  void leave_venue(const Symbol& symbol);
  void release_intent(const Symbol& symbol, std::uint64_t attempt);

  const Failpoints& failpoints_;
  ExitVenue& venue_;
  Portfolio& portfolio_;
  const ExitManagerOptions options_;

  mutable Mutex mu_;
  std::map<Symbol, ExitIntent> pending_exit_intents_ GUARDED_BY(mu_);
  std::uint64_t next_attempt_ GUARDED_BY(mu_) = 1;
  std::uint64_t exits_started_ GUARDED_BY(mu_) = 0;
  std::uint64_t exits_succeeded_ GUARDED_BY(mu_) = 0;
  std::uint64_t exits_failed_ GUARDED_BY(mu_) = 0;
  std::uint64_t exits_deduplicated_ GUARDED_BY(mu_) = 0;
  std::uint64_t exits_blocked_by_stale_intent_ GUARDED_BY(mu_) = 0;
  std::uint64_t stale_exit_intents_ GUARDED_BY(mu_) = 0;

  // Independent witness of overlap: its own mutex, its own map.
  mutable Mutex in_flight_mu_;
  std::map<Symbol, int> in_venue_ GUARDED_BY(in_flight_mu_);
  std::uint64_t duplicate_exits_ GUARDED_BY(in_flight_mu_) = 0;

  // exits.undeclared_thread_leak: "exit-retry" threads nothing reports or
  // joins while the manager lives (last member: joined first on destruction).
  UndeclaredThreads undeclared_retry_threads_{"exit-retry"};
};

}  // namespace plateau::engine
