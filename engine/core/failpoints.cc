#include "engine/core/failpoints.h"

#include <array>
#include <stdexcept>

namespace plateau::engine {
namespace {

constexpr std::array<FailpointInfo, static_cast<std::size_t>(Failpoint::kCount)> kFailpoints{{
    {Failpoint::kPlansLeakExecutionLocks, "plans.leak_execution_locks", "000 §1", "plans",
     "a plan's execution lock stays in the lock table after the plan is removed"},
    {Failpoint::kPlansLeakInvalidSymbols, "plans.leak_invalid_symbols", "000 §2", "plans",
     "invalid-symbol entries are never cleared"},
    {Failpoint::kPlansLeakM1Cache, "plans.leak_m1_cache", "000 §3", "plans",
     "M1 candle cache, its timestamps and last-signal times are kept for symbols with no active plan"},
    {Failpoint::kPlansLeakConfidenceHistory, "plans.leak_confidence_history", "000 §4", "plans",
     "confidence history is never trimmed or dropped"},
    {Failpoint::kPlansSkipRecheck, "plans.skip_recheck", "000 §8", "plans",
     "a plan removed between snapshot and check is still acted on"},
    {Failpoint::kMarketUntrimmedInitialOhlcv, "market.untrimmed_initial_ohlcv", "001 §1", "market",
     "the first OHLCV frame of a new timeframe is stored without the size cap"},
    {Failpoint::kMarketDelayFirstCleanup, "market.delay_first_cleanup", "001 §3", "market",
     "the first cleanup waits a whole interval after start"},
    {Failpoint::kMarketUnboundedOpenInterest, "market.unbounded_open_interest", "001", "market",
     "open-interest history is never trimmed"},
    {Failpoint::kCacheUncappedTtl, "cache.uncapped_ttl", "002 §1", "cache",
     "a BoundedCache honours a TTL longer than its maximum TTL"},
    {Failpoint::kExecutorLeakPositionLocks, "executor.leak_position_locks", "002 §2", "executor",
     "position locks are not released when a position closes"},
    {Failpoint::kWalletUnboundedProcessedTx, "wallet.unbounded_processed_tx", "002 §3", "wallet",
     "the processed-transaction set has no size cap and no TTL"},
    {Failpoint::kPaperNonatomicClose, "paper.nonatomic_close", "003 §1", "paper",
     "the closed flag is checked and set in two steps, so racing closers can both close"},
    {Failpoint::kPaperNoPriceFallback, "paper.no_price_fallback", "003 §2", "paper",
     "a failed price fetch skips the position for the cycle"},
    {Failpoint::kPaperNoPositionLimit, "paper.no_position_limit", "003 §5", "paper",
     "the max-positions check is skipped"},
    {Failpoint::kExitsLeakIntentOnFailure, "exits.leak_intent_on_failure", "004 H1", "exits",
     "a failed exit leaves its intent registered, blocking later exits"},
    {Failpoint::kRouterKeepTerminalOrders, "router.keep_terminal_orders", "004 H5", "router",
     "terminal orders are never purged from order metadata and the seen-set"},
    {Failpoint::kEngineUnreachableLeak, "engine.unreachable_leak", "-", "engine",
     "a small block is allocated per event and its pointer dropped (the classic leak)"},
    {Failpoint::kPlansUndeclaredErrorNotes, "plans.undeclared_error_notes", "-", "plans",
     "every failed plan execution keeps an error note in a list no inventory reports (error path only)",
     FailpointFamily::kUndeclared, "plans"},
    {Failpoint::kWalletUndeclaredSlowLeak, "wallet.undeclared_slow_leak", "-", "wallet",
     "maintain() keeps fixtures.slow_leak_bytes_per_hour (default 2 KiB/h) in an undeclared list",
     FailpointFamily::kUndeclared, "wallet"},
    {Failpoint::kExitsUndeclaredThreadLeak, "exits.undeclared_thread_leak", "-", "exits",
     "every 8th failed exit starts an 'exit-retry' thread that is never joined while the engine lives",
     FailpointFamily::kUndeclared, "exits process"},
    {Failpoint::kRouterUndeclaredFdLeak, "router.undeclared_fd_leak", "-", "router",
     "every purge run opens an 'order-journal' memfd that is never closed while the engine lives",
     FailpointFamily::kUndeclared, "router process"},
    {Failpoint::kMarketUndeclaredPartialCleanup, "market.undeclared_partial_cleanup", "-", "market",
     "the cleanup of an undeclared per-symbol tick journal frees only 90% of what it should",
     FailpointFamily::kUndeclared, "market"},
    {Failpoint::kWalletTenfoldCaches, "wallet.tenfold_caches", "-", "wallet",
     "the wallet's bounded caches hold ten times today's capacities (still bounded: must not fire)",
     FailpointFamily::kMustNotFire, "wallet"},
    {Failpoint::kEngineOneOffBlock, "engine.one_off_block", "-", "engine",
     "fixtures.block_bytes (default 50 MiB) allocated once at start and kept to the end (must not fire)",
     FailpointFamily::kMustNotFire, "engine"},
    {Failpoint::kEngineStepBlock, "engine.step_block", "-", "engine",
     "fixtures.block_bytes (default 50 MiB) allocated once at fixtures.step_at and kept (must not fire)",
     FailpointFamily::kMustNotFire, "engine"},
}};

static_assert([] {
  for (std::size_t i = 0; i < kFailpoints.size(); ++i) {
    if (static_cast<std::size_t>(kFailpoints[i].id) != i) return false;
  }
  return true;
}(), "kFailpoints must list every Failpoint in declaration order");

}  // namespace

std::string_view to_string(FailpointFamily family) noexcept {
  switch (family) {
    case FailpointFamily::kSeed:
      return "seed";
    case FailpointFamily::kUndeclared:
      return "undeclared";
    case FailpointFamily::kMustNotFire:
      return "must_not_fire";
  }
  return "seed";
}

FailpointFamily parse_failpoint_family(std::string_view name) {
  for (FailpointFamily f : {FailpointFamily::kSeed, FailpointFamily::kUndeclared, FailpointFamily::kMustNotFire}) {
    if (to_string(f) == name) return f;
  }
  throw std::invalid_argument("unknown failpoint family '" + std::string(name) +
                              "'; known families: seed, undeclared, must_not_fire");
}

std::span<const FailpointInfo> all_failpoints() noexcept { return kFailpoints; }

const FailpointInfo& info(Failpoint id) noexcept { return kFailpoints[static_cast<std::size_t>(id)]; }

void Failpoints::set(Failpoint id, bool enabled) noexcept {
  if (enabled) {
    bits_.fetch_or(mask(id), std::memory_order_relaxed);
  } else {
    bits_.fetch_and(~mask(id), std::memory_order_relaxed);
  }
}

Failpoint Failpoints::parse(std::string_view name) {
  for (const auto& fp : kFailpoints) {
    if (fp.name == name) return fp.id;
  }
  std::string known;
  for (const auto& fp : kFailpoints) {
    if (!known.empty()) known += ", ";
    known += fp.name;
  }
  throw std::invalid_argument("unknown failpoint '" + std::string(name) + "'; known failpoints: " + known);
}

void Failpoints::enable(std::string_view name) { set(parse(name), true); }

std::vector<std::string> Failpoints::enabled_names() const {
  std::vector<std::string> names;
  for (const auto& fp : kFailpoints) {
    if (on(fp.id)) names.emplace_back(fp.name);
  }
  return names;
}

}  // namespace plateau::engine
