#include "engine/core/mutex.h"
#include "engine/wallet/wallet_monitor.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace plateau::engine {
namespace {

std::size_t transaction_heap_bytes(const TxHash&, const WalletTransaction& tx) {
  return approx_heap_bytes(tx.hash) + approx_heap_bytes(tx.wallet) + approx_heap_bytes(tx.symbol);
}

}  // namespace

void validate(const WalletMonitorOptions& options) {
  if (options.copy_ratio <= Fixed{}) {
    throw std::invalid_argument("WalletMonitorOptions.copy_ratio = " + options.copy_ratio.to_string() +
                                ": must be positive");
  }
  if (options.max_transaction_age <= Duration::zero()) {
    throw std::invalid_argument("WalletMonitorOptions.max_transaction_age = " +
                                std::to_string(to_seconds(options.max_transaction_age)) +
                                " s: must be positive");
  }
}

WalletMonitor::WalletMonitor(WalletMonitorOptions options, const Failpoints& failpoints)
    : options_((validate(options), std::move(options))),
      failpoints_(failpoints),
      processed_(options_.processed_transactions, failpoints, "wallet", "processed_transactions"),
      transactions_(options_.transaction_cache, failpoints, "wallet", "transaction_cache",
                    transaction_heap_bytes),
      prices_(options_.price_cache, failpoints, "wallet", "price_cache") {}

bool WalletMonitor::record_processed(const TxHash& hash, TimePoint now) {
  if (failpoints_.on(Failpoint::kWalletUnboundedProcessedTx)) {
    // The seed's set: checked against the bounded cache too, so switching the
    // failpoint on mid-run does not reprocess what the cache remembers.
    if (processed_.contains(hash, now)) return false;
    MutexLock lock(unbounded_mu_);
    return unbounded_processed_.try_emplace(hash, now).second;
  }
  {
    MutexLock lock(unbounded_mu_);
    if (!unbounded_processed_.empty() && unbounded_processed_.contains(hash)) return false;
  }
  return processed_.insert_if_absent(hash, now, now);
}

std::optional<CopySignal> WalletMonitor::on_transaction(const WalletTransaction& tx, TimePoint now) {
  transactions_seen_.fetch_add(1, std::memory_order_relaxed);
  if (tx.hash.empty() || tx.symbol.empty() || tx.quantity <= Fixed{} || tx.price <= Fixed{}) {
    invalid_dropped_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  if (!options_.followed_wallets.empty() && !options_.followed_wallets.contains(tx.wallet)) {
    unfollowed_dropped_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  // Dedup before the staleness check, so a redelivered stale duplicate
  // counts as the duplicate it is.
  if (!record_processed(tx.hash, now)) {
    duplicates_dropped_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  transactions_.put(tx.hash, tx, now);
  prices_.put(tx.symbol, tx.price, now);
  if (now - tx.timestamp > options_.max_transaction_age) {
    stale_dropped_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  signals_emitted_.fetch_add(1, std::memory_order_relaxed);
  return CopySignal{tx.hash, tx.wallet, tx.symbol, tx.side, tx.quantity * options_.copy_ratio, tx.price, now};
}

std::optional<WalletTransaction> WalletMonitor::recent_transaction(const TxHash& hash, TimePoint now) {
  return transactions_.get(hash, now);
}

std::optional<Fixed> WalletMonitor::last_price(const Symbol& symbol, TimePoint now) {
  return prices_.get(symbol, now);
}

void WalletMonitor::maintain(TimePoint now) {
  processed_.maintain(now);
  transactions_.maintain(now);
  prices_.maintain(now);
  if (failpoints_.on(Failpoint::kWalletUndeclaredSlowLeak)) keep_slow_leak_undeclared(now);
}

void WalletMonitor::keep_slow_leak_undeclared(TimePoint now) {
  MutexLock lock(undeclared_mu_);
  if (undeclared_since_ && now > *undeclared_since_) {
    undeclared_owed_bytes_ += options_.undeclared_leak_bytes_per_hour * to_seconds(now - *undeclared_since_) / 3600;
  }
  undeclared_since_ = now;
  const std::size_t block = std::max<std::size_t>(1, options_.undeclared_leak_block_bytes);
  while (undeclared_owed_bytes_ >= static_cast<double>(block)) {
    auto bytes = std::make_unique<char[]>(block);  // value-initialised: the pages are touched
    undeclared_blocks_.push_back(std::move(bytes));
    undeclared_owed_bytes_ -= static_cast<double>(block);
  }
}

std::size_t WalletMonitor::processed_count() const {
  MutexLock lock(unbounded_mu_);
  return processed_.size() + unbounded_processed_.size();
}

void WalletMonitor::inventory(InventorySink& sink) const {
  {
    // processed_transactions is reported as one container: the bounded cache
    // plus, under the failpoint, the unbounded set (and then with no bound).
    struct Merge final : InventorySink {
      InventorySink& out;
      std::size_t extra_entries;
      std::size_t extra_bytes;
      bool unbounded;
      Merge(InventorySink& o, std::size_t e, std::size_t b, bool u)
          : out(o), extra_entries(e), extra_bytes(b), unbounded(u) {}
      void container(const ContainerReport& report) override {
        ContainerReport merged = report;
        merged.entries += extra_entries;
        merged.approx_bytes += extra_bytes;
        if (unbounded) merged.bound_entries.reset();
        out.container(merged);
      }
      void counter(const CounterReport& report) override { out.counter(report); }
    };
    std::size_t entries = 0;
    std::size_t bytes = 0;
    {
      MutexLock lock(unbounded_mu_);
      entries = unbounded_processed_.size();
      for (const auto& [hash, stored_at] : unbounded_processed_) {
        bytes += sizeof(std::pair<const TxHash, TimePoint>) + kHashNodeOverhead + approx_heap_bytes(hash);
      }
    }
    const bool unbounded = entries > 0 || failpoints_.on(Failpoint::kWalletUnboundedProcessedTx);
    Merge merge(sink, entries, bytes, unbounded);
    processed_.inventory(merge);
  }
  transactions_.inventory(sink);
  prices_.inventory(sink);
  const std::pair<const char*, std::uint64_t> counters[] = {
      {"transactions_seen", transactions_seen_.load()},
      {"duplicates_dropped", duplicates_dropped_.load()},
      {"signals_emitted", signals_emitted_.load()},
      {"stale_dropped", stale_dropped_.load()},
      {"unfollowed_dropped", unfollowed_dropped_.load()},
      {"invalid_dropped", invalid_dropped_.load()},
  };
  for (const auto& [name, value] : counters) {
    sink.counter(CounterReport{"wallet", name, value, CounterKind::kHealth});
  }
}

void WalletMonitor::audit(AuditSink& sink) const {
  processed_.audit(sink, EntityKind::kTransaction);
  {
    MutexLock lock(unbounded_mu_);
    // No max_age: the seed's set promised none, which is the bug.
    const AuditContainer container{"wallet", "processed_transactions", EntityKind::kTransaction, std::nullopt};
    for (const auto& [hash, stored_at] : unbounded_processed_) sink.held(container, hash, stored_at);
  }
  transactions_.audit(sink, EntityKind::kTransaction);
  prices_.audit(sink, EntityKind::kSymbol);
}

}  // namespace plateau::engine
