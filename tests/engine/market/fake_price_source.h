// A scripted PriceSource for tests: answers from a programmable rule and
// records every call (symbol, instant). Thread-safe, as sources must be.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/market/price_source.h"

namespace plateau::engine::testing {

class FakePriceSource final : public PriceSource {
 public:
  using Rule = std::function<PriceQuote(const Symbol&, TimePoint)>;

  explicit FakePriceSource(std::string name, Rule rule = {})
      : name_(std::move(name)), rule_(std::move(rule)) {}

  std::string_view name() const noexcept override { return name_; }

  PriceQuote fetch(const Symbol& symbol, TimePoint now) override {
    Rule rule;
    {
      std::lock_guard lock(mu_);
      calls_.emplace_back(symbol, now);
      rule = rule_;
    }
    if (!rule) return PriceQuote::failure(name_ + " down");
    return rule(symbol, now);
  }

  void set_rule(Rule rule) {
    std::lock_guard lock(mu_);
    rule_ = std::move(rule);
  }
  // Fixed answers: always this price / always failing.
  void answer(Fixed price) {
    set_rule([price](const Symbol&, TimePoint) { return PriceQuote::ok(price); });
  }
  void fail() { set_rule({}); }

  std::vector<std::pair<Symbol, TimePoint>> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::size_t call_count() const {
    std::lock_guard lock(mu_);
    return calls_.size();
  }

 private:
  const std::string name_;
  mutable std::mutex mu_;
  Rule rule_;
  std::vector<std::pair<Symbol, TimePoint>> calls_;
};

}  // namespace plateau::engine::testing
