// WalletMonitor: turns a followed wallet's transaction stream into copy
// signals, each transaction at most once (seed 002 §3).
//
// Streams redeliver, so every hash processed is remembered in
// `processed_transactions` (BoundedCache, 50,000 entries, TTL 1800 s); the
// latest transactions by hash sit in `transaction_cache` (1,000) and the
// last price seen per symbol in `price_cache` (5,000), all bounded by size
// and TTL and swept by maintain(now). Failpoint wallet.unbounded_processed_tx
// puts the seed bug back: while on, processed hashes go to a plain set with
// no size cap and no TTL (dedup still works; memory grows without bound).
//
// Thread safety: every public method may be called from any thread; the
// caches lock themselves, and dedup is one atomic insert_if_absent, so two
// threads delivering the same hash emit one signal. Invariant: a hash that
// produced a signal produces no second one while it is remembered (TTL).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
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

struct WalletMonitorOptions {
  // Asks for the seed's original one-hour TTL; the cache caps it at its
  // 30-minute max_ttl (seed 002 §1), unless cache.uncapped_ttl is on.
  BoundedCacheOptions processed_transactions{.capacity = 50'000, .default_ttl = std::chrono::hours(1)};
  BoundedCacheOptions transaction_cache{.capacity = 1'000};
  BoundedCacheOptions price_cache{.capacity = 5'000};
  // Signal quantity = transaction quantity * copy_ratio; must be positive.
  Fixed copy_ratio = Fixed::from_int(1);
  // Transactions older than this when seen are dropped as stale (a copy at
  // an old price is not a copy). Must be positive.
  Duration max_transaction_age = std::chrono::seconds(300);
  // Wallets to copy; empty means every wallet on the stream.
  std::unordered_set<std::string> followed_wallets;
  // Failpoint wallet.undeclared_slow_leak: bytes kept per virtual hour, in
  // blocks of this size, accrued by maintain().
  double undeclared_leak_bytes_per_hour = 2048;
  std::size_t undeclared_leak_block_bytes = 256;
};

// Throws std::invalid_argument naming the field, its value and why.
void validate(const WalletMonitorOptions& options);

class WalletMonitor {
 public:
  // `failpoints` must outlive the monitor. Throws on bad options.
  WalletMonitor(WalletMonitorOptions options, const Failpoints& failpoints);
  WalletMonitor(const WalletMonitor&) = delete;
  WalletMonitor& operator=(const WalletMonitor&) = delete;

  // The copy signal for a transaction seen for the first time, from a
  // followed wallet, not stale, with positive quantity and price; nullopt
  // otherwise (each reason has its counter). Records the hash, the
  // transaction and the symbol's price.
  std::optional<CopySignal> on_transaction(const WalletTransaction& tx, TimePoint now);

  // A transaction seen within the transaction cache's TTL, if still held.
  std::optional<WalletTransaction> recent_transaction(const TxHash& hash, TimePoint now);
  // The last price seen for `symbol`, within the price cache's TTL.
  std::optional<Fixed> last_price(const Symbol& symbol, TimePoint now);

  // Sweeps each cache whose sweep interval has passed.
  void maintain(TimePoint now);

  // Containers processed_transactions (bound 50,000; no bound while the
  // failpoint's unbounded set holds entries), transaction_cache, price_cache,
  // their cache counters, and the kHealth counters transactions_seen,
  // duplicates_dropped, signals_emitted, stale_dropped, unfollowed_dropped,
  // invalid_dropped.
  void inventory(InventorySink& sink) const;
  // processed_transactions and transaction_cache keys as
  // EntityKind::kTransaction, price_cache keys as EntityKind::kSymbol.
  void audit(AuditSink& sink) const;

  std::size_t processed_count() const;  // both the bounded cache and the failpoint set
  std::uint64_t transactions_seen() const noexcept { return transactions_seen_.load(); }
  std::uint64_t duplicates_dropped() const noexcept { return duplicates_dropped_.load(); }
  std::uint64_t signals_emitted() const noexcept { return signals_emitted_.load(); }

 private:
  // True if the hash was not processed before (and is now recorded).
  bool record_processed(const TxHash& hash, TimePoint now);
  // wallet.undeclared_slow_leak: keeps the bytes accrued since the last
  // call in undeclared_blocks_, which nothing reports. Out of line so heap
  // profiles name it.
  __attribute__((noinline)) void keep_slow_leak_undeclared(TimePoint now);

  const WalletMonitorOptions options_;
  const Failpoints& failpoints_;
  BoundedCache<TxHash, TimePoint> processed_;  // value: when first processed
  BoundedCache<TxHash, WalletTransaction> transactions_;
  BoundedCache<Symbol, Fixed> prices_;

  mutable Mutex unbounded_mu_;
  // Only written while wallet.unbounded_processed_tx is on: the seed's
  // processed set with neither cap nor TTL. Value: when first processed.
  std::unordered_map<TxHash, TimePoint> unbounded_processed_ GUARDED_BY(unbounded_mu_);

  Mutex undeclared_mu_;
  std::optional<TimePoint> undeclared_since_ GUARDED_BY(undeclared_mu_);
  double undeclared_owed_bytes_ GUARDED_BY(undeclared_mu_) = 0;
  std::vector<std::unique_ptr<char[]>> undeclared_blocks_ GUARDED_BY(undeclared_mu_);  // deliberately undeclared

  std::atomic<std::uint64_t> transactions_seen_{0};
  std::atomic<std::uint64_t> duplicates_dropped_{0};
  std::atomic<std::uint64_t> signals_emitted_{0};
  std::atomic<std::uint64_t> stale_dropped_{0};
  std::atomic<std::uint64_t> unfollowed_dropped_{0};
  std::atomic<std::uint64_t> invalid_dropped_{0};
};

}  // namespace plateau::engine
