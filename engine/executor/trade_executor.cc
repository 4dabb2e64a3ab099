#include "engine/core/mutex.h"
#include "engine/executor/trade_executor.h"

#include <stdexcept>
#include <utility>

namespace plateau::engine {

TradeExecutor::TradeExecutor(TradeExecutorOptions options, const Failpoints& failpoints)
    : options_(std::move(options)),
      failpoints_(failpoints),
      position_locks_(options_.position_locks, failpoints, "executor", "position_locks") {}

PositionId TradeExecutor::open_position(const CopySignal& signal, TimePoint now) {
  if (signal.symbol.empty()) throw std::invalid_argument("CopySignal.symbol is empty: a position needs a symbol");
  if (signal.quantity <= Fixed{}) {
    throw std::invalid_argument("CopySignal.quantity = " + signal.quantity.to_string() + ": must be positive");
  }
  if (signal.price <= Fixed{}) {
    throw std::invalid_argument("CopySignal.price = " + signal.price.to_string() + ": must be positive");
  }
  MutexLock lock(mu_);
  PositionId id = options_.position_id_prefix + std::to_string(next_position_number_++);
  positions_.emplace(id, CopyPosition{id, signal.source_tx, signal.wallet, signal.symbol, signal.side,
                                      signal.quantity, signal.price, now});
  position_locks_.put(id, std::make_shared<std::mutex>(), now);
  positions_opened_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

bool TradeExecutor::close_position(const PositionId& id, TimePoint now) {
  {
    MutexLock lock(mu_);
    if (!positions_.contains(id)) {
      // Never create a lock for a position that is not open: it would be residue.
      closes_rejected_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  // The lock may have been evicted or expired while the position was open;
  // get_or_put recreates it atomically so racing closers share one.
  const PositionLock position_lock =
      position_locks_.get_or_put(id, now, [] { return std::make_shared<std::mutex>(); });
  bool closed_here = false;
  {
    std::lock_guard serialise(*position_lock);
    {
      MutexLock lock(mu_);
      closed_here = positions_.erase(id) == 1;
    }
    // Whoever gets here releases the entry: a closer that lost the race may
    // have recreated it after the winner erased it.
    release_position_lock(id);
  }
  (closed_here ? positions_closed_ : closes_rejected_).fetch_add(1, std::memory_order_relaxed);
  return closed_here;
}

void TradeExecutor::release_position_lock(const PositionId& id) {
  if (failpoints_.on(Failpoint::kExecutorLeakPositionLocks)) return;  // the seed bug: wait for the TTL
  position_locks_.erase(id);
}

std::optional<CopyPosition> TradeExecutor::position(const PositionId& id) const {
  MutexLock lock(mu_);
  auto it = positions_.find(id);
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

std::vector<CopyPosition> TradeExecutor::open_positions() const {
  MutexLock lock(mu_);
  std::vector<CopyPosition> result;
  result.reserve(positions_.size());
  for (const auto& [id, position] : positions_) result.push_back(position);
  return result;
}

std::size_t TradeExecutor::open_count() const {
  MutexLock lock(mu_);
  return positions_.size();
}

void TradeExecutor::maintain(TimePoint now) { position_locks_.maintain(now); }

void TradeExecutor::inventory(InventorySink& sink) const {
  {
    MutexLock lock(mu_);
    std::size_t bytes = 0;
    for (const auto& [id, position] : positions_) {
      bytes += sizeof(std::pair<const PositionId, CopyPosition>) + kTreeNodeOverhead + approx_heap_bytes(id) +
               approx_heap_bytes(position.id) + approx_heap_bytes(position.source_tx) +
               approx_heap_bytes(position.wallet) + approx_heap_bytes(position.symbol);
    }
    sink.container(ContainerReport{"executor", "positions", positions_.size(), bytes, std::nullopt});
  }
  position_locks_.inventory(sink);
  const std::pair<const char*, std::uint64_t> counters[] = {
      {"positions_opened", positions_opened_.load()},
      {"positions_closed", positions_closed_.load()},
      {"closes_rejected", closes_rejected_.load()},
  };
  for (const auto& [name, value] : counters) {
    sink.counter(CounterReport{"executor", name, value, CounterKind::kHealth});
  }
}

void TradeExecutor::audit(AuditSink& sink) const {
  {
    MutexLock lock(mu_);
    const AuditContainer container{"executor", "positions", EntityKind::kPosition, std::nullopt};
    for (const auto& [id, position] : positions_) sink.held(container, id, position.opened_at);
  }
  position_locks_.audit(sink, EntityKind::kPosition);
}

}  // namespace plateau::engine
