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
}};

}  // namespace

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
