// EngineConfig: one struct that configures the whole engine under test.
//
// It aggregates every component's own options struct, each with the defaults
// the seed reports settled on (plans cleanup hourly; OHLCV caps per
// timeframe and cleanup every 10 min; price cache TTL 30 s, 5 attempts,
// stale fallback up to 5 min; wallet caches 50,000 / 1,000 / 5,000 entries
// with a 30 min TTL; position locks released on close; paper max 15
// positions, 90% capital, cooldown after 5 opens in 5 min, fee 0.04%/side,
// $10 net TP/SL; terminal orders purged after 2 h, checked hourly; stale exit
// intents after 60 s; priority symbols refreshed every second). The harness
// or a scenario overrides single fields; the plan store path comes with the
// Engine's constructor, not from here, because it names the state a restart
// rebuilds from.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/exec/exit_manager.h"
#include "engine/exec/order_router.h"
#include "engine/executor/trade_executor.h"
#include "engine/market/market_data.h"
#include "engine/market/price_provider.h"
#include "engine/paper/paper_engine.h"
#include "engine/plans/auto_executor.h"
#include "engine/plans/plan_store.h"
#include "engine/portfolio/priority_symbols.h"
#include "engine/wallet/wallet_monitor.h"

namespace plateau::engine {

// Where a triggered plan's trade goes.
enum class PlanExecutionTarget : std::uint8_t {
  kPaper,   // PaperEngine::open_position at the trigger price (default)
  kRouter,  // an order through the OrderRouter, filled at the trigger price
};

// The knobs of the undeclared and must-not-fire failpoints, tunable so the
// harness's sensitivity can be measured (a scenario's /fixtures block).
struct FixtureOptions {
  // wallet.undeclared_slow_leak: bytes kept per virtual hour (in blocks of
  // slow_leak_block_bytes, accrued by maintain()).
  double slow_leak_bytes_per_hour = 2048;
  std::size_t slow_leak_block_bytes = 256;
  // plans.undeclared_error_notes: bytes of each error note kept.
  std::size_t error_note_bytes = 192;
  // exits.undeclared_thread_leak: one thread per this many failed exits.
  std::uint32_t thread_leak_every_failures = 8;
  // engine.one_off_block / engine.step_block: the block's size, and for the
  // step the virtual instant it is allocated at (the first maintain at or
  // after it).
  std::size_t block_bytes = std::size_t{50} << 20;
  TimePoint step_at{};
};

struct EngineConfig {
  AutoExecutorOptions plans;
  // `path` is ignored: the Engine's constructor argument wins.
  PlanStoreOptions plan_store{.path = {}, .busy_timeout = std::chrono::milliseconds(5000), .max_attempts = 5,
                              .initial_backoff = std::chrono::milliseconds(50),
                              .max_backoff = std::chrono::milliseconds(2000), .durable_sync = false};
  MarketDataOptions market;
  PriceProviderOptions prices;
  WalletMonitorOptions wallet;
  TradeExecutorOptions executor;
  PaperOptions paper;
  OrderRouterOptions router;
  ExitManagerOptions exits;
  PrioritySymbolsOptions priority_symbols;
  PlanExecutionTarget plan_execution = PlanExecutionTarget::kPaper;
  // Bytes allocated and dropped per event while engine.unreachable_leak is on.
  std::size_t unreachable_leak_bytes = 64;
  // Stamped into every id this engine generates (Portfolio positions, exit
  // and plan orders, paper and copy positions) after their fixed prefix, so
  // that ids never repeat across a restart: each process counts from 1, and a
  // venue (or an audit) would take a repeated client order id for the old
  // order. Empty: "s<milliseconds since epoch at construction>-".
  std::string id_session;
  // Rates and sizes of the undeclared-leak and must-not-fire failpoints
  // (engine/core/failpoints.h); inert while those are off.
  FixtureOptions fixtures;
};

}  // namespace plateau::engine
