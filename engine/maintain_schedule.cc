#include "engine/maintain_schedule.h"

#include <algorithm>
#include <array>

#include "engine/market/candle.h"

namespace plateau::engine {
namespace {

// The wallet's three caches sweep together: one key sets them all.
Duration wallet_sweep(const EngineConfig& c) {
  const WalletMonitorOptions& w = c.wallet;
  return std::max({w.processed_transactions.sweep_interval, w.transaction_cache.sweep_interval,
                   w.price_cache.sweep_interval});
}

constexpr std::array<MaintainInterval, 6> kSchedule{{
    {"plans", "AutoExecutor cleanup of orphaned locks, unused symbols and plan history",
     [](const EngineConfig& c) { return c.plans.cleanup_interval; },
     [](EngineConfig& c, Duration d) { c.plans.cleanup_interval = d; }},
    {"market", "MarketData cleanup of candles, open interest and idle symbols",
     [](const EngineConfig& c) { return c.market.cleanup_interval; },
     [](EngineConfig& c, Duration d) { c.market.cleanup_interval = d; }},
    // Terminal orders must leave within one interval of the purge that finds
    // them, so their TTL is no longer than the interval either.
    {"router", "OrderRouter purge of terminal orders (the terminal-order TTL is capped at it)",
     [](const EngineConfig& c) { return c.router.purge_interval; },
     [](EngineConfig& c, Duration d) {
       c.router.purge_interval = d;
       c.router.terminal_order_ttl = std::min(c.router.terminal_order_ttl, d);
     }},
    {"wallet", "WalletMonitor sweep of its processed-transaction, transaction and price caches", wallet_sweep,
     [](EngineConfig& c, Duration d) {
       c.wallet.processed_transactions.sweep_interval = d;
       c.wallet.transaction_cache.sweep_interval = d;
       c.wallet.price_cache.sweep_interval = d;
     }},
    {"executor", "TradeExecutor sweep of its position locks",
     [](const EngineConfig& c) { return c.executor.position_locks.sweep_interval; },
     [](EngineConfig& c, Duration d) { c.executor.position_locks.sweep_interval = d; }},
    {"prices", "PriceProvider maintenance of its price cache",
     [](const EngineConfig& c) { return c.prices.maintain_interval; },
     [](EngineConfig& c, Duration d) { c.prices.maintain_interval = d; }},
}};

constexpr std::array<std::string_view, static_cast<std::size_t>(EntityEnd::kCount)> kEndNames{
    "plan_ended",          "symbol_unplanned",    "position_closed", "order_terminal",
    "transaction_handled", "exit_intent_settled", "symbol_delisted"};

}  // namespace

std::span<const MaintainInterval> maintain_schedule() noexcept { return kSchedule; }

const MaintainInterval* find_maintain_interval(std::string_view key) noexcept {
  for (const MaintainInterval& m : kSchedule) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

void fit_to_maintain_tick(EngineConfig& config, Duration maintain_tick) {
  // Only the price cache derives an audit allowance from its own interval;
  // the other components' allowances already add the tick (grace_period).
  config.prices.maintain_interval = std::max(config.prices.maintain_interval, maintain_tick);
}

void fit_histories_to_warm_up(EngineConfig& e, const WarmUpShape& shape) {
  const double warm_up_s = to_seconds(shape.warm_up);
  auto clamp_cap = [](double value, std::size_t low, std::size_t high) {
    return std::clamp(static_cast<std::size_t>(value), low, std::max(low, high));
  };
  for (Timeframe tf : kAllTimeframes) {
    auto it = e.market.max_candles.find(tf);
    const std::size_t production = it != e.market.max_candles.end() ? it->second : e.market.default_max_candles;
    e.market.max_candles[tf] = clamp_cap(warm_up_s / to_seconds(duration_of(tf)), 1, production);
  }
  e.market.max_open_interest_points =
      clamp_cap(warm_up_s * shape.open_interest_points_per_symbol_per_s, 10, e.market.max_open_interest_points);
  const double opens_per_s = static_cast<double>(e.paper.cooldown_after_opens) / to_seconds(e.paper.cooldown_window);
  e.paper.closed_history_capacity = clamp_cap(warm_up_s / 4 * opens_per_s, 10, e.paper.closed_history_capacity);

  const Duration floor = shape.warm_up / 4;
  const Duration fit = shape.warm_up - shape.longest_plan_life;
  e.plans.history_retention = std::min(e.plans.history_retention, std::max(fit, floor));

  // The wallet's caches hold one entry per transaction and only their TTL
  // empties them: they fill for max_ttl plus a sweep, then churn. A warm-up
  // shorter than that leaves them filling in the measured phase, which
  // reads as a trend; their TTL then fits the warm-up's first half.
  if (shape.warm_up <= Duration::zero()) return;
  for (BoundedCacheOptions* cache : {&e.wallet.processed_transactions, &e.wallet.transaction_cache}) {
    if (cache->max_ttl + cache->sweep_interval <= shape.warm_up) continue;
    cache->max_ttl = std::max(shape.warm_up / 2 - cache->sweep_interval, shape.warm_up / 4);
  }
}

std::string_view to_string(EntityEnd end) noexcept {
  const auto i = static_cast<std::size_t>(end);
  return i < kEndNames.size() ? kEndNames[i] : "unknown";
}

EntityKind entity_kind_of(EntityEnd end) noexcept {
  switch (end) {
    case EntityEnd::kPlanEnded:
      return EntityKind::kPlan;
    case EntityEnd::kPositionClosed:
      return EntityKind::kPosition;
    case EntityEnd::kOrderTerminal:
      return EntityKind::kOrder;
    case EntityEnd::kTransactionHandled:
      return EntityKind::kTransaction;
    case EntityEnd::kExitIntentSettled:
      return EntityKind::kExitIntent;
    case EntityEnd::kSymbolUnplanned:
    case EntityEnd::kSymbolDelisted:
    case EntityEnd::kCount:
      break;
  }
  return EntityKind::kSymbol;
}

Duration grace_period(const EngineConfig& config, EntityEnd end, const DriverCadence& cadence) {
  using std::chrono::seconds;
  switch (end) {
    case EntityEnd::kPlanEnded:
      // A plan releases everything at once on every exit path, within the
      // cycle that ends it; two cycles allow for one in flight.
      return 2 * cadence.plans_cycle + seconds(1);
    case EntityEnd::kSymbolUnplanned:
      // Its candles and signals go with its last plan; its invalid mark waits
      // for the next plans cleanup, which maintain runs when due.
      return grace_period(config, EntityEnd::kPlanEnded, cadence) + config.plans.cleanup_interval +
             cadence.maintain;
    case EntityEnd::kPositionClosed:
      return std::max(cadence.paper_cycle, cadence.maintain) + seconds(1);
    case EntityEnd::kOrderTerminal:
      return config.router.terminal_order_ttl + config.router.purge_interval + cadence.maintain;
    case EntityEnd::kTransactionHandled: {
      // Both wallet caches keyed by the hash: each drops it once its TTL has
      // run out and its sweep comes.
      const BoundedCacheOptions& processed = config.wallet.processed_transactions;
      const BoundedCacheOptions& kept = config.wallet.transaction_cache;
      return std::max(processed.max_ttl + processed.sweep_interval, kept.max_ttl + kept.sweep_interval) +
             cadence.maintain;
    }
    case EntityEnd::kExitIntentSettled:
      return cadence.maintain;
    case EntityEnd::kSymbolDelisted: {
      // The slowest per-symbol cleanup: MarketData drops a symbol idle for
      // its TTL at the next cleanup; the plans forget it with its last plan
      // at the next plans cleanup; PrioritySymbols with the last position;
      // the wallet's price cache (keyed by symbol) when its TTL runs out and
      // its sweep comes.
      const Duration market =
          config.market.idle_symbol_ttl + config.market.cleanup_interval + cadence.maintain;
      const BoundedCacheOptions& prices = config.wallet.price_cache;
      const Duration wallet = prices.max_ttl + prices.sweep_interval + cadence.maintain;
      const Duration unplanned = grace_period(config, EntityEnd::kSymbolUnplanned, cadence);
      return std::max({market, wallet, unplanned}) +
             grace_period(config, EntityEnd::kPositionClosed, cadence);
    }
    case EntityEnd::kCount:
      break;
  }
  return Duration::zero();
}

}  // namespace plateau::engine
