// A small fake engine for the probe tests: one "plans" component with a plan
// table and an execution-lock table, whose lock release can be switched off
// by the real failpoint (plans.leak_execution_locks), plus a price cache with
// a max age. It reports through the real engine pull interfaces.
#pragma once

#include <map>
#include <string>

#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/inspect.h"

namespace plateau::probes::testing {

class FakePlans {
 public:
  explicit FakePlans(const engine::Failpoints& failpoints) : failpoints_(failpoints) {}

  void add_plan(const std::string& id, engine::TimePoint now) {
    plans_[id] = now;
    locks_[id] = now;
  }
  void remove_plan(const std::string& id) {
    plans_.erase(id);
    if (!failpoints_.on(engine::Failpoint::kPlansLeakExecutionLocks)) locks_.erase(id);
  }
  void cache_price(const std::string& symbol, engine::TimePoint now) { prices_[symbol] = now; }
  void evict_price(const std::string& symbol) { prices_.erase(symbol); }
  void double_close() { ++double_closes_; }
  void cycle() { ++cycles_; }

  std::size_t plan_count() const { return plans_.size(); }
  std::size_t lock_count() const { return locks_.size(); }

  void inventory(engine::InventorySink& sink) const {
    sink.container({"plans", "plans", plans_.size(), plans_.size() * 96, 1000});
    sink.container({"plans", "execution_locks", locks_.size(), locks_.size() * 64, std::nullopt});
    sink.container({"market", "price_cache", prices_.size(), prices_.size() * 48, 500});
    sink.counter({"paper", "double_closes", double_closes_, engine::CounterKind::kInvariant});
    sink.counter({"paper", "cycles", cycles_, engine::CounterKind::kHealth});
  }

  void audit(engine::AuditSink& sink) const {
    const engine::AuditContainer plans{"plans", "plans", engine::EntityKind::kPlan, std::nullopt};
    for (const auto& [id, at] : plans_) sink.held(plans, id, at);
    const engine::AuditContainer locks{"plans", "execution_locks", engine::EntityKind::kPlan, std::nullopt};
    for (const auto& [id, at] : locks_) sink.held(locks, id, at);
    const engine::AuditContainer prices{"market", "price_cache", engine::EntityKind::kCacheEntry,
                                        std::chrono::minutes(5)};
    for (const auto& [symbol, at] : prices_) sink.held(prices, symbol, at);
  }

 private:
  const engine::Failpoints& failpoints_;
  std::map<std::string, engine::TimePoint> plans_;
  std::map<std::string, engine::TimePoint> locks_;
  std::map<std::string, engine::TimePoint> prices_;
  std::uint64_t double_closes_ = 0;
  std::uint64_t cycles_ = 0;
};

}  // namespace plateau::probes::testing
