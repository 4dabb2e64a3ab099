// AutoExecutor's two pull interfaces, inventory and audit: what it holds,
// how big, and which plan ids and symbols are still in it.
#include "engine/core/mutex.h"
#include "engine/plans/auto_executor.h"

#include <algorithm>
#include <string>

namespace plateau::engine {
namespace {

constexpr std::string_view kComponent = "plans";

// A shared_ptr<std::mutex> owns the mutex and a control block beside it.
constexpr std::size_t kExecutionMutexBytes = sizeof(std::mutex) + 2 * sizeof(long) + sizeof(void*);

std::size_t hash_entry_bytes(const std::string& key, std::size_t value_bytes) {
  return kHashNodeOverhead + sizeof(std::string) + approx_heap_bytes(key) + value_bytes;
}

}  // namespace

void AutoExecutor::inventory(InventorySink& sink) const {
  MutexLock lock(mu_);
  auto report = [&sink](std::string_view container, std::size_t entries, std::size_t bytes) {
    sink.container({kComponent, container, entries, bytes, std::nullopt});
  };
  std::size_t bytes = 0;
  for (const auto& [id, plan] : active_plans_) {
    bytes += hash_entry_bytes(id, sizeof(Plan)) + approx_heap_bytes(plan.id) + approx_heap_bytes(plan.symbol);
  }
  // Plans come and go with the load: "added" counts their arrivals.
  sink.container({kComponent, "active_plans", active_plans_.size(), bytes, std::nullopt, "added"});
  bytes = 0;
  for (const auto& [symbol, count] : plans_per_symbol_) bytes += hash_entry_bytes(symbol, sizeof(std::size_t));
  report("plans_per_symbol", plans_per_symbol_.size(), bytes);

  bytes = 0;
  for (const auto& [id, entry] : execution_locks_) {
    bytes += hash_entry_bytes(id, sizeof(ExecutionLock) + kExecutionMutexBytes);
  }
  report("execution_locks", execution_locks_.size(), bytes);

  auto time_map_bytes = [](const std::unordered_map<std::string, TimePoint>& map) {
    std::size_t total = 0;
    for (const auto& [key, value] : map) total += hash_entry_bytes(key, sizeof(TimePoint));
    return total;
  };
  report("executing_plans", executing_plans_.size(), time_map_bytes(executing_plans_));
  report("invalid_symbols", invalid_symbols_.size(), time_map_bytes(invalid_symbols_));

  bytes = 0;
  for (const auto& [symbol, candles] : m1_cache_) {
    bytes += hash_entry_bytes(symbol, sizeof(std::vector<M1Candle>) + candles.capacity() * sizeof(M1Candle));
  }
  report("m1_cache", m1_cache_.size(), bytes);
  report("m1_cache_timestamps", m1_cache_timestamps_.size(), time_map_bytes(m1_cache_timestamps_));
  report("last_signal_times", last_signal_times_.size(), time_map_bytes(last_signal_times_));

  bytes = 0;
  std::size_t longest = 0;
  for (const auto& [symbol, history] : confidence_history_) {
    bytes += hash_entry_bytes(symbol, sizeof(std::deque<Fixed>) + history.size() * sizeof(Fixed));
    longest = std::max(longest, history.size());
  }
  report("confidence_history", confidence_history_.size(), bytes);
  // Trimming bounds each history, so the longest one carries that promise:
  // it passes confidence_history_length the moment trimming stops. The sum of
  // all samples is not reported as a container: it is (symbols with a plan) x
  // (their histories' fill), a random number of near-full histories that
  // wanders with the load by about a tenth of its level, while what it adds
  // over `confidence_history` (symbols) and this (fill) is nothing a leak
  // could hide in. The samples' bytes are counted in confidence_history's.
  sink.container({kComponent, "confidence_history_longest", longest, longest * sizeof(Fixed),
                  options_.confidence_history_length});

  auto count = [&sink](std::string_view name, std::uint64_t value, CounterKind kind = CounterKind::kHealth) {
    sink.counter({kComponent, name, value, kind});
  };
  count("added", stats_.added);
  count("cycles", stats_.cycles);
  count("executed", stats_.executed);
  count("failed", stats_.failed);
  count("expired", stats_.expired);
  count("cancelled", stats_.cancelled);
  count("dropped_on_reload", stats_.dropped_on_reload);
  count("execution_failures", stats_.execution_failures);
  count("price_failures", stats_.price_failures);
  count("store_errors", stats_.store_errors);
  count("store_retries", store_.busy_retries());
  count("cleanups", stats_.cleanups);
  count("history_pruned", stats_.history_pruned);
  count("acted_on_removed_plan", stats_.acted_on_removed_plan, CounterKind::kInvariant);
}

void AutoExecutor::audit(AuditSink& sink) const {
  MutexLock lock(mu_);
  auto container = [](std::string_view name, EntityKind kind) {
    return AuditContainer{kComponent, name, kind, std::nullopt};
  };
  const AuditContainer plans = container("active_plans", EntityKind::kPlan);
  for (const auto& [id, plan] : active_plans_) sink.held(plans, id, plan.created_at);
  const AuditContainer locks = container("execution_locks", EntityKind::kPlan);
  for (const auto& [id, entry] : execution_locks_) sink.held(locks, id, entry.created_at);

  auto held_times = [&sink, &container](std::string_view name, EntityKind kind,
                                        const std::unordered_map<std::string, TimePoint>& map) {
    const AuditContainer where = container(name, kind);
    for (const auto& [key, since] : map) sink.held(where, key, since);
  };
  const AuditContainer per_symbol = container("plans_per_symbol", EntityKind::kSymbol);
  for (const auto& [symbol, count] : plans_per_symbol_) sink.held(per_symbol, symbol, std::nullopt);
  held_times("executing_plans", EntityKind::kPlan, executing_plans_);
  held_times("invalid_symbols", EntityKind::kSymbol, invalid_symbols_);
  held_times("m1_cache_timestamps", EntityKind::kSymbol, m1_cache_timestamps_);
  held_times("last_signal_times", EntityKind::kSymbol, last_signal_times_);

  const AuditContainer m1 = container("m1_cache", EntityKind::kSymbol);
  for (const auto& [symbol, candles] : m1_cache_) {
    auto stamp = m1_cache_timestamps_.find(symbol);
    sink.held(m1, symbol, stamp == m1_cache_timestamps_.end() ? std::nullopt : std::optional(stamp->second));
  }
  const AuditContainer confidence = container("confidence_history", EntityKind::kSymbol);
  for (const auto& [symbol, history] : confidence_history_) sink.held(confidence, symbol, std::nullopt);
}

}  // namespace plateau::engine
