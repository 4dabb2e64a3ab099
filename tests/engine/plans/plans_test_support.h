// Fakes and recorders shared by the plans tests: a scripted market and trade
// sink, inventory and audit recorders, and a temporary directory.
//
// Thread safety: FakeMarket and FakeSink are safe to call from any thread
// (the concurrency test does); the recorders are used from one thread.
#pragma once

#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/inspect.h"
#include "engine/plans/plan.h"
#include "engine/plans/plan_ports.h"

namespace plateau::engine::testing {

inline TimePoint at_seconds(std::int64_t seconds) { return TimePoint{std::chrono::seconds(seconds)}; }

inline Fixed money(const char* text) {
  auto value = Fixed::parse(text);
  if (!value) throw std::invalid_argument(std::string("bad money literal ") + text);
  return *value;
}

inline Plan make_plan(std::string id, std::string symbol, Fixed level, TimePoint created_at,
                      Duration ttl = std::chrono::hours(2), int max_retries = 3,
                      TriggerKind kind = TriggerKind::kPriceAtOrAbove) {
  Plan plan;
  plan.id = std::move(id);
  plan.symbol = std::move(symbol);
  plan.side = Side::kBuy;
  plan.quantity = money("0.5");
  plan.trigger = {kind, level};
  plan.created_at = created_at;
  plan.expires_at = created_at + ttl;
  plan.max_retries = max_retries;
  return plan;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "plateau-plans-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class FakeMarket final : public PlanMarket {
 public:
  void set_price(const Symbol& symbol, Fixed price) {
    std::lock_guard lock(mu_);
    prices_.insert_or_assign(symbol, price);
  }
  void clear_price(const Symbol& symbol) {
    std::lock_guard lock(mu_);
    prices_.erase(symbol);
  }
  void set_throwing(const Symbol& symbol, bool throwing) {
    std::lock_guard lock(mu_);
    if (throwing)
      throwing_.insert(symbol);
    else
      throwing_.erase(symbol);
  }
  int candle_requests() const {
    std::lock_guard lock(mu_);
    return candle_requests_;
  }

  std::optional<Fixed> last_price(const Symbol& symbol, TimePoint) override {
    std::lock_guard lock(mu_);
    if (throwing_.contains(symbol)) throw std::runtime_error("price source down for " + symbol);
    auto it = prices_.find(symbol);
    if (it == prices_.end()) return std::nullopt;
    return it->second;
  }

  // Five flat candles at the current price, so confidence follows the price.
  std::vector<M1Candle> m1_candles(const Symbol& symbol, TimePoint now) override {
    std::lock_guard lock(mu_);
    ++candle_requests_;
    auto it = prices_.find(symbol);
    if (it == prices_.end()) return {};
    std::vector<M1Candle> candles;
    for (int i = 5; i >= 1; --i) {
      const Fixed p = it->second;
      candles.push_back({now - std::chrono::minutes(i), p, p, p, p, Fixed::from_int(1)});
    }
    return candles;
  }

 private:
  mutable std::mutex mu_;
  std::map<Symbol, Fixed> prices_;
  std::set<Symbol> throwing_;
  int candle_requests_ = 0;
};

class FakeSink final : public PlanTradeSink {
 public:
  enum class Result { kSucceed, kFail, kThrow };

  // Results for the next calls, in order; after them every call succeeds.
  void script(std::initializer_list<Result> results) {
    std::lock_guard lock(mu_);
    script_.insert(script_.end(), results);
  }
  // Called inside execute(), before the result, without the sink's lock.
  void on_execute(std::function<void(const Plan&)> hook) {
    std::lock_guard lock(mu_);
    hook_ = std::move(hook);
  }
  std::vector<PlanId> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<PlanId> successes() const {
    std::lock_guard lock(mu_);
    return successes_;
  }

  ExecutionOutcome execute(const Plan& plan, Fixed, TimePoint) override {
    std::function<void(const Plan&)> hook;
    Result result = Result::kSucceed;
    {
      std::lock_guard lock(mu_);
      calls_.push_back(plan.id);
      hook = hook_;
      if (!script_.empty()) {
        result = script_.front();
        script_.pop_front();
      }
      if (result == Result::kSucceed) successes_.push_back(plan.id);
    }
    if (hook) hook(plan);
    if (result == Result::kThrow) throw std::runtime_error("exchange rejected the order");
    if (result == Result::kFail) return ExecutionOutcome::failed("insufficient margin");
    return ExecutionOutcome::succeeded();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result> script_;
  std::function<void(const Plan&)> hook_;
  std::vector<PlanId> calls_;
  std::vector<PlanId> successes_;
};

class AuditRecorder final : public AuditSink {
 public:
  void held(const AuditContainer& container, std::string_view key, std::optional<TimePoint>) override {
    held_.emplace(std::string(container.container), std::string(key));
    kinds_.insert_or_assign(std::string(container.container), container.kind);
  }
  bool holds(const std::string& container, const std::string& key) const {
    return held_.contains({container, key});
  }
  // Containers of `kind` that still hold `key`.
  std::vector<std::string> holding(const std::string& key, EntityKind kind) const {
    std::vector<std::string> found;
    for (const auto& [container, held_key] : held_) {
      if (held_key == key && kinds_.at(container) == kind) found.push_back(container);
    }
    return found;
  }

 private:
  std::set<std::pair<std::string, std::string>> held_;
  std::map<std::string, EntityKind> kinds_;
};

class InventoryRecorder final : public InventorySink {
 public:
  struct Container {
    std::size_t entries = 0;
    std::size_t approx_bytes = 0;
    std::optional<std::size_t> bound;
  };
  struct Counter {
    std::uint64_t value = 0;
    CounterKind kind = CounterKind::kHealth;
  };

  void container(const ContainerReport& report) override {
    containers_.insert_or_assign(std::string(report.container),
                                 Container{report.entries, report.approx_bytes, report.bound_entries});
  }
  void counter(const CounterReport& report) override {
    counters_.insert_or_assign(std::string(report.name), Counter{report.value, report.kind});
  }
  const Container& container_named(const std::string& name) const { return containers_.at(name); }
  const Counter& counter_named(const std::string& name) const { return counters_.at(name); }
  const std::map<std::string, Container>& containers() const { return containers_; }

 private:
  std::map<std::string, Container> containers_;
  std::map<std::string, Counter> counters_;
};

template <typename Inspected>
AuditRecorder audit_of(const Inspected& inspected) {
  AuditRecorder recorder;
  inspected.audit(recorder);
  return recorder;
}

template <typename Inspected>
InventoryRecorder inventory_of(const Inspected& inspected) {
  InventoryRecorder recorder;
  inspected.inventory(recorder);
  return recorder;
}

}  // namespace plateau::engine::testing
