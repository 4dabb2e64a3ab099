// PrioritySymbols: a cached set of the symbols the Portfolio holds, so price
// polling can favour them without querying the Portfolio on every tick
// (seed 004 H4).
//
// The cache is refreshed from the Portfolio when it is older than `ttl`
// (default 1 s) at the moment it is asked, and invalidated (emptied, to be
// refreshed on the next question) on fills and exits: wire
// Portfolio::set_change_listener to invalidate(), so a freshly bought symbol
// is a priority on the very next question instead of up to `ttl` later.
//
// Audit: container "cached_symbols" (EntityKind::kSymbol), stored_at = the
// refresh that cached it. The set is bounded by the Portfolio's symbols: a
// symbol leaves at the first invalidation (any fill or exit) or refresh after
// its position is gone, so a delisted symbol goes with its last position.
//
// Thread safety: every method may be called from any thread. Lock order:
// PrioritySymbols' mutex, then the Portfolio's; invalidate() takes only its
// own, so it is safe to call from the Portfolio's change listener.
// Invariant: the cache never holds a symbol the Portfolio did not hold at the
// last refresh.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"

namespace plateau::engine {

class Portfolio;

struct PrioritySymbolsOptions {
  Duration ttl = std::chrono::seconds(1);
};

class PrioritySymbols {
 public:
  // `portfolio` must outlive this object. Throws std::invalid_argument when
  // ttl is negative.
  explicit PrioritySymbols(const Portfolio& portfolio, PrioritySymbolsOptions options = {});
  PrioritySymbols(const PrioritySymbols&) = delete;
  PrioritySymbols& operator=(const PrioritySymbols&) = delete;

  // True when the symbol is held, as of the last refresh (refreshing first
  // when the cache is invalid or at least `ttl` old).
  bool is_priority(const Symbol& symbol, TimePoint now);
  // The cached set (refreshed as is_priority does), sorted.
  std::vector<Symbol> symbols(TimePoint now);
  // Empties the cache; the next question refreshes it.
  void invalidate();

  std::uint64_t refreshes() const;
  std::uint64_t invalidations() const;

  // Container "cached_symbols" (component "priority_symbols"); counters
  // refreshes, invalidations (health).
  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

 private:
  void refresh_if_due_locked(TimePoint now) REQUIRES(mu_);

  const Portfolio& portfolio_;
  const PrioritySymbolsOptions options_;

  mutable Mutex mu_;
  std::set<Symbol> cached_ GUARDED_BY(mu_);
  std::optional<TimePoint> refreshed_at_ GUARDED_BY(mu_);  // nullopt: invalid
  std::uint64_t refreshes_ GUARDED_BY(mu_) = 0;
  std::uint64_t invalidations_ GUARDED_BY(mu_) = 0;
};

}  // namespace plateau::engine
