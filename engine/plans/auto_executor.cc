#include "engine/core/mutex.h"
#include "engine/plans/auto_executor.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace plateau::engine {
namespace {

void check_options(const AutoExecutorOptions& options) {
  if (options.cleanup_interval <= Duration::zero()) {
    throw std::invalid_argument("AutoExecutorOptions.cleanup_interval = " +
                                std::to_string(options.cleanup_interval.count()) + " ns: must be positive");
  }
  if (options.history_retention < Duration::zero()) {
    throw std::invalid_argument("AutoExecutorOptions.history_retention = " +
                                std::to_string(options.history_retention.count()) + " ns: must not be negative");
  }
  if (options.m1_refresh_interval < Duration::zero()) {
    throw std::invalid_argument(
        "AutoExecutorOptions.m1_refresh_interval = " + std::to_string(options.m1_refresh_interval.count()) +
        " ns: must not be negative");
  }
  if (options.confidence_history_length < 1) {
    throw std::invalid_argument("AutoExecutorOptions.confidence_history_length = 0: must be at least 1");
  }
  if (options.min_confidence < Fixed{} || options.min_confidence > Fixed::from_int(1)) {
    throw std::invalid_argument("AutoExecutorOptions.min_confidence = " + options.min_confidence.to_string() +
                                ": must be within [0, 1]");
  }
}

}  // namespace

AutoExecutor::AutoExecutor(PlanStore& store, PlanMarket& market, PlanTradeSink& sink,
                           const Failpoints& failpoints, AutoExecutorOptions options)
    : store_(store), market_(market), sink_(sink), failpoints_(failpoints), options_(std::move(options)) {
  check_options(options_);
}

void AutoExecutor::add_plan(const Plan& plan) {
  validate_new_plan(plan);
  MutexLock lock(mu_);
  if (active_plans_.contains(plan.id)) {
    throw std::invalid_argument("plan field 'id' = '" + plan.id + "': a plan with this id is already active");
  }
  // The store first: a plan the store refused is never watched, so memory
  // never holds a plan a restart would lose.
  store_.add(plan);
  watch(plan);
}

void AutoExecutor::watch(Plan plan) {
  const Symbol symbol = plan.symbol;
  const PlanId id = plan.id;
  if (active_plans_.emplace(id, std::move(plan)).second) {
    ++plans_per_symbol_[symbol];
    ++stats_.added;
  }
}

CancelResult AutoExecutor::cancel_plan(const PlanId& id) {
  MutexLock lock(mu_);
  auto it = active_plans_.find(id);
  if (it == active_plans_.end()) return CancelResult::kNotFound;
  if (it->second.status == PlanStatus::kExecuting) return CancelResult::kExecuting;
  // Throws PlanStoreError with the plan still active: nothing half-done.
  store_.update_status(id, PlanStatus::kCancelled, it->second.retry_count);
  const Symbol symbol = it->second.symbol;
  release_plan_resources(id, symbol);
  ++stats_.cancelled;
  return CancelResult::kCancelled;
}

CycleSnapshot AutoExecutor::begin_cycle(TimePoint now) {
  MutexLock lock(mu_);
  ++stats_.cycles;
  CycleSnapshot snapshot{now, {}};
  std::vector<const Plan*> order;
  order.reserve(active_plans_.size());
  for (const auto& [id, plan] : active_plans_) {
    if (plan.status == PlanStatus::kActive) order.push_back(&plan);
  }
  std::sort(order.begin(), order.end(), [](const Plan* a, const Plan* b) {
    return a->created_at != b->created_at ? a->created_at < b->created_at : a->id < b->id;
  });
  snapshot.plans.reserve(order.size());
  for (const Plan* plan : order) snapshot.plans.push_back(*plan);
  return snapshot;
}

void AutoExecutor::finish_cycle(const CycleSnapshot& snapshot, TimePoint now) {
  struct SymbolWork {
    bool ask_price = true;
    bool refresh_m1 = false;
    std::optional<Fixed> price;
    std::optional<std::vector<M1Candle>> candles;
  };
  std::unordered_map<Symbol, SymbolWork> work;
  {
    MutexLock lock(mu_);
    for (const Plan& plan : snapshot.plans) work.try_emplace(plan.symbol);
    for (auto& [symbol, item] : work) {
      if (auto invalid = invalid_symbols_.find(symbol); invalid != invalid_symbols_.end()) {
        item.ask_price = now - invalid->second >= options_.invalid_symbol_retry_interval;
      }
      auto stamp = m1_cache_timestamps_.find(symbol);
      item.refresh_m1 =
          stamp == m1_cache_timestamps_.end() || now - stamp->second >= options_.m1_refresh_interval;
    }
  }
  // The market is slow and may throw; it is asked without the lock so adds
  // and cancels never wait on it.
  for (auto& [symbol, item] : work) {
    if (!item.ask_price) continue;
    try {
      item.price = market_.last_price(symbol, now);
    } catch (const std::exception&) {
      item.price.reset();
    }
    if (!item.price || !item.refresh_m1) continue;
    try {
      item.candles = market_.m1_candles(symbol, now);
    } catch (const std::exception&) {
      item.candles.reset();  // keep the older candles, ask again next cycle
    }
  }
  {
    MutexLock lock(mu_);
    for (auto& [symbol, item] : work) {
      if (!item.ask_price) continue;
      if (!item.price) ++stats_.price_failures;
      // The symbol's last plan may have gone while the market was asked;
      // keeping state for it now would leave it to the hourly cleanup.
      if (!symbol_in_use(symbol)) continue;
      if (!item.price) {
        invalid_symbols_.insert_or_assign(symbol, now);
        continue;
      }
      if (item.candles) {
        m1_cache_.insert_or_assign(symbol, std::move(*item.candles));
        m1_cache_timestamps_.insert_or_assign(symbol, now);
      }
    }
  }
  for (const Plan& plan : snapshot.plans) process_plan(plan, work[plan.symbol].price, now);
}

void AutoExecutor::process_plan(const Plan& snapshot_plan, const std::optional<Fixed>& price, TimePoint now) {
  Plan plan;
  bool still_active = false;
  std::shared_ptr<std::mutex> execution_mutex;
  {
    MutexLock lock(mu_);
    auto it = active_plans_.find(snapshot_plan.id);
    if (it != active_plans_.end() && it->second.status != PlanStatus::kActive) return;  // in flight elsewhere
    still_active = it != active_plans_.end();
    // The seed's race: the plan may have been cancelled, expired or executed
    // since the snapshot. Acting on the stale copy is the bug skip_recheck
    // puts back.
    if (!still_active && !on(Failpoint::kPlansSkipRecheck)) return;
    plan = still_active ? it->second : snapshot_plan;
    if (plan.expired_at(now)) {
      plan.status = PlanStatus::kExpired;
      if (!write_status(plan)) return;  // still active; the next cycle tries again
      if (!still_active) ++stats_.acted_on_removed_plan;
      release_plan_resources(plan.id, plan.symbol);
      ++stats_.expired;
      return;
    }
    if (!price) return;
    const Fixed confidence = confidence_of(plan);
    record_confidence(plan.symbol, confidence);
    if (!plan.trigger.met_by(*price) || confidence < options_.min_confidence) return;
    last_signal_times_.insert_or_assign(plan.symbol, now);
    plan.status = PlanStatus::kExecuting;
    if (!write_status(plan)) return;
    auto& entry = execution_locks_[plan.id];
    if (!entry.mutex) entry = {std::make_shared<std::mutex>(), now};
    execution_mutex = entry.mutex;
    executing_plans_.insert_or_assign(plan.id, now);
    if (still_active) it->second.status = PlanStatus::kExecuting;
  }

  ExecutionOutcome outcome;
  {
    std::lock_guard execution_guard(*execution_mutex);
    try {
      outcome = sink_.execute(plan, *price, now);
    } catch (const std::exception& error) {
      outcome = ExecutionOutcome::failed(error.what());
    } catch (...) {
      outcome = ExecutionOutcome::failed("the trade sink threw a non-standard exception");
    }
  }

  MutexLock lock(mu_);
  if (!still_active) ++stats_.acted_on_removed_plan;
  if (outcome.success) {
    plan.status = PlanStatus::kExecuted;
    // The trade happened: the plan leaves memory even if the store write
    // failed (counted in store_errors), so it is never executed twice here.
    write_status(plan);
    if (!on(Failpoint::kPlansLeakInvalidSymbols)) invalid_symbols_.erase(plan.symbol);
    release_plan_resources(plan.id, plan.symbol);
    ++stats_.executed;
    return;
  }
  ++stats_.execution_failures;
  if (on(Failpoint::kPlansUndeclaredErrorNotes)) keep_error_note_undeclared(plan, outcome.error);
  ++plan.retry_count;
  if (plan.retry_count >= plan.max_retries) {
    plan.status = PlanStatus::kFailed;
    write_status(plan);
    release_plan_resources(plan.id, plan.symbol);
    ++stats_.failed;
    return;
  }
  plan.status = PlanStatus::kActive;
  write_status(plan);
  executing_plans_.erase(plan.id);
  auto it = active_plans_.find(plan.id);
  if (it != active_plans_.end()) {
    it->second = plan;
  } else {
    release_plan_resources(plan.id, plan.symbol);
  }
}

void AutoExecutor::keep_error_note_undeclared(const Plan& plan, const std::string& error) {
  std::string note = plan.id + " attempt " + std::to_string(plan.retry_count) + ": " + error;
  note.resize(std::max(note.size(), options_.undeclared_error_note_bytes), ' ');
  undeclared_error_notes_.push_back(std::move(note));
}

bool AutoExecutor::write_status(const Plan& plan) {
  try {
    store_.update_status(plan.id, plan.status, plan.retry_count);
    return true;
  } catch (const PlanStoreError&) {
    ++stats_.store_errors;
    return false;
  }
}

void AutoExecutor::release_plan_resources(const PlanId& id, const Symbol& symbol) {
  if (active_plans_.erase(id) > 0) {
    auto count = plans_per_symbol_.find(symbol);
    if (count != plans_per_symbol_.end() && --count->second == 0) plans_per_symbol_.erase(count);
  }
  if (!on(Failpoint::kPlansLeakExecutionLocks)) execution_locks_.erase(id);
  executing_plans_.erase(id);
  if (!symbol_in_use(symbol)) drop_symbol_state(symbol);
}

bool AutoExecutor::symbol_in_use(const Symbol& symbol) const { return plans_per_symbol_.contains(symbol); }

void AutoExecutor::drop_symbol_state(const Symbol& symbol) {
  if (!on(Failpoint::kPlansLeakM1Cache)) {
    m1_cache_.erase(symbol);
    m1_cache_timestamps_.erase(symbol);
    last_signal_times_.erase(symbol);
  }
  if (!on(Failpoint::kPlansLeakConfidenceHistory)) confidence_history_.erase(symbol);
}

Fixed AutoExecutor::confidence_of(const Plan& plan) const {
  auto it = m1_cache_.find(plan.symbol);
  // No candles is no evidence against the trigger.
  if (it == m1_cache_.end() || it->second.empty()) return Fixed::from_int(1);
  std::int64_t agreeing = 0;
  for (const M1Candle& candle : it->second) {
    if (plan.trigger.met_by(candle.close)) ++agreeing;
  }
  return Fixed::from_int(agreeing) / Fixed::from_int(static_cast<std::int64_t>(it->second.size()));
}

void AutoExecutor::record_confidence(const Symbol& symbol, Fixed confidence) {
  auto& history = confidence_history_[symbol];
  history.push_back(confidence);
  if (on(Failpoint::kPlansLeakConfidenceHistory)) return;
  while (history.size() > options_.confidence_history_length) history.pop_front();
}

void AutoExecutor::maintain(TimePoint now) {
  MutexLock lock(mu_);
  if (!last_cleanup_ || now - *last_cleanup_ >= options_.cleanup_interval) cleanup_locked(now);
}

void AutoExecutor::cleanup(TimePoint now) {
  MutexLock lock(mu_);
  cleanup_locked(now);
}

void AutoExecutor::cleanup_locked(TimePoint now) {
  last_cleanup_ = now;
  ++stats_.cleanups;
  // The lambdas run here, under mu_ (the analysis needs telling: it does not
  // carry a held lock into a lambda).
  auto orphaned = [this](const auto& entry) REQUIRES(mu_) { return !active_plans_.contains(entry.first); };
  if (!on(Failpoint::kPlansLeakExecutionLocks)) std::erase_if(execution_locks_, orphaned);
  std::erase_if(executing_plans_, orphaned);

  auto unused = [this](const auto& entry) REQUIRES(mu_) { return !plans_per_symbol_.contains(entry.first); };
  if (!on(Failpoint::kPlansLeakInvalidSymbols)) std::erase_if(invalid_symbols_, unused);
  if (!on(Failpoint::kPlansLeakM1Cache)) {
    std::erase_if(m1_cache_, unused);
    std::erase_if(m1_cache_timestamps_, unused);
    std::erase_if(last_signal_times_, unused);
  }
  if (!on(Failpoint::kPlansLeakConfidenceHistory)) std::erase_if(confidence_history_, unused);
  try {
    stats_.history_pruned += store_.prune_terminal(now - options_.history_retention);
  } catch (const PlanStoreError&) {
    ++stats_.store_errors;  // the history waits for the next cleanup
  }
}

ReloadResult AutoExecutor::reload_from_store(TimePoint now) {
  MutexLock lock(mu_);
  // Under the lock: a plan added between reading the store and comparing
  // would otherwise look dropped.
  std::vector<Plan> stored = store_.load_active();
  std::unordered_set<PlanId> stored_ids;
  for (const Plan& plan : stored) stored_ids.insert(plan.id);

  ReloadResult result;
  std::vector<std::pair<PlanId, Symbol>> gone;
  for (const auto& [id, plan] : active_plans_) {
    // A plan mid-trade is settled by its own cycle, which writes its status.
    if (plan.status != PlanStatus::kExecuting && !stored_ids.contains(id)) gone.emplace_back(id, plan.symbol);
  }
  for (const auto& [id, symbol] : gone) {
    release_plan_resources(id, symbol);
    ++stats_.dropped_on_reload;
    ++result.dropped;
  }
  for (Plan& plan : stored) {
    if (active_plans_.contains(plan.id)) continue;
    // kExecuting in the store means the process stopped mid-trade; the plan
    // is watched again (the trade sink is expected to be idempotent per plan
    // id if a duplicate trade matters).
    plan.status = PlanStatus::kActive;
    if (plan.expired_at(now)) {
      plan.status = PlanStatus::kExpired;
      if (write_status(plan)) ++stats_.expired;
      continue;
    }
    watch(std::move(plan));
    ++result.added;
  }
  return result;
}

std::optional<Plan> AutoExecutor::find(const PlanId& id) const {
  MutexLock lock(mu_);
  auto it = active_plans_.find(id);
  if (it == active_plans_.end()) return std::nullopt;
  return it->second;
}

std::vector<Plan> AutoExecutor::active_plans() const {
  MutexLock lock(mu_);
  std::vector<Plan> plans;
  plans.reserve(active_plans_.size());
  for (const auto& [id, plan] : active_plans_) plans.push_back(plan);
  std::sort(plans.begin(), plans.end(), [](const Plan& a, const Plan& b) { return a.id < b.id; });
  return plans;
}

AutoExecutorStats AutoExecutor::stats() const {
  MutexLock lock(mu_);
  AutoExecutorStats copy = stats_;
  copy.active_plans = active_plans_.size();
  return copy;
}

}  // namespace plateau::engine
