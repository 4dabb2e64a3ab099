// TradeExecutor: opens and closes copy-trading positions (seed 002 §2).
//
// Every open position has a per-position mutex that serialises the work on
// it (a close in flight blocks a second close of the same position). The
// mutexes sit in `position_locks`, a BoundedCache keyed by position id
// (1,000 entries, TTL capped at 1800 s); seed 002 leaked them because a lock
// outlived its position until the TTL. Here the lock entry is erased as soon
// as the position is closed, by whichever closer gets there, unless failpoint
// executor.leak_position_locks is on (then it stays until its TTL: the bug).
//
// Thread safety: every public method may be called from any thread. Closes
// of the same position may race: exactly one returns true. The decision is
// made under the executor's mutex, so it holds even if a lock entry was
// evicted or expired while the position was open. Lock order: a position's
// mutex, then the executor's mutex, then the cache's own. Invariant: after
// close_position() returns, with the failpoint off, position_locks holds no
// entry for that id (and never gains one: closing an unknown id creates none).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/cache/bounded_cache.h"
#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/wallet/wallet_types.h"

namespace plateau::engine {

struct CopyPosition {
  PositionId id;
  TxHash source_tx;
  std::string wallet;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed quantity;
  Fixed entry_price;
  TimePoint opened_at;
};

struct TradeExecutorOptions {
  // default_ttl is the TTL the executor asks for a lock: seed 002's original
  // 3600 s, which the cache caps at max_ttl (1800 s, the fix). Failpoint
  // cache.uncapped_ttl lets the 3600 s through, so a long-open position's
  // lock outlives max_ttl + sweep_interval and the audit flags it.
  BoundedCacheOptions position_locks{.capacity = 1'000,
                                     .default_ttl = std::chrono::seconds(3600),
                                     .max_ttl = std::chrono::seconds(1800)};
  // Prefix of generated position ids: "<prefix><n>", n from 1.
  std::string position_id_prefix = "pos-";
};

class TradeExecutor {
 public:
  // `failpoints` must outlive the executor. Throws std::invalid_argument on
  // bad cache options.
  TradeExecutor(TradeExecutorOptions options, const Failpoints& failpoints);
  TradeExecutor(const TradeExecutor&) = delete;
  TradeExecutor& operator=(const TradeExecutor&) = delete;

  // Opens a position copying `signal` and creates its lock. Throws
  // std::invalid_argument naming the field if quantity or price is not
  // positive or the symbol is empty.
  PositionId open_position(const CopySignal& signal, TimePoint now);

  // Closes the position; true if this call closed it, false if it was
  // already closed or never existed. Releases the position's lock entry.
  bool close_position(const PositionId& id, TimePoint now);

  std::optional<CopyPosition> position(const PositionId& id) const;
  std::vector<CopyPosition> open_positions() const;  // ordered by id
  std::size_t open_count() const;

  // Sweeps position_locks when its sweep interval has passed.
  void maintain(TimePoint now);

  // Containers positions (no bound: positions end by closing) and
  // position_locks (bound 1,000), the cache counters, and the kHealth
  // counters positions_opened, positions_closed, closes_rejected.
  void inventory(InventorySink& sink) const;
  // Open positions and position_locks keys, as EntityKind::kPosition.
  void audit(AuditSink& sink) const;

 private:
  using PositionLock = std::shared_ptr<std::mutex>;
  void release_position_lock(const PositionId& id);

  const TradeExecutorOptions options_;
  const Failpoints& failpoints_;
  BoundedCache<PositionId, PositionLock> position_locks_;

  mutable Mutex mu_;
  std::map<PositionId, CopyPosition> positions_ GUARDED_BY(mu_);  // open ones only
  std::uint64_t next_position_number_ GUARDED_BY(mu_) = 1;

  std::atomic<std::uint64_t> positions_opened_{0};
  std::atomic<std::uint64_t> positions_closed_{0};
  std::atomic<std::uint64_t> closes_rejected_{0};
};

}  // namespace plateau::engine
