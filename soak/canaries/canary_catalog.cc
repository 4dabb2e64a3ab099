#include "soak/canaries/canary_catalog.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/core/failpoints.h"

namespace plateau::soak {

namespace {

struct ComponentRule {
  std::vector<std::string> accepted_components;
  std::vector<std::string> code_markers;
};

// Failpoint component -> where its findings and heap sites show up.
const std::map<std::string, ComponentRule>& component_rules() {
  static const std::map<std::string, ComponentRule> rules = {
      {"plans", {{"plans"}, {"AutoExecutor", "PlanStore"}}},
      {"market", {{"market"}, {"MarketData", "PriceProvider"}}},
      // BoundedCache reports under its owner's name (wallet_monitor.cc,
      // trade_executor.cc construct theirs with "wallet" / "executor").
      {"cache", {{"cache", "wallet", "executor"}, {"BoundedCache"}}},
      {"executor", {{"executor"}, {"TradeExecutor"}}},
      {"wallet", {{"wallet"}, {"WalletMonitor"}}},
      {"paper", {{"paper"}, {"PaperEngine"}}},
      {"exits", {{"exits"}, {"ExitManager"}}},
      {"router", {{"router"}, {"OrderRouter"}}},
      {"portfolio", {{"portfolio", "priority_symbols"}, {"Portfolio", "PrioritySymbols"}}},
      // The classic leak has no container: only the allocator series see it,
      // and the heap diff names the one function that leaks.
      {"engine", {{"engine", "allocator"}, {"plateau_engine_unreachable_leak_site"}}},
  };
  return rules;
}

// Failpoints whose bug keeps memory that grows over the gate run by more
// than the heap diff's noise (bounded caches churning move a few hundred KiB
// between two dumps; one sample per 16 KiB allocated), so
// the diff between the start and the end of the measured phase must show
// it. The others break a correctness invariant, exceed a bound only
// briefly, or keep too little for a sampled profile to see: invalid-symbol
// marks and M1 caches of churned symbols (under 150 KiB in a gate run, lost
// among the caches' churn) and
// position locks (held in a BoundedCache whose capacity caps them); their
// inventory and audit signals name them instead.
const std::set<std::string>& allocating_failpoints() {
  static const std::set<std::string> names = {
      "plans.leak_execution_locks",  "plans.leak_confidence_history", "market.unbounded_open_interest",
      "wallet.unbounded_processed_tx", "router.keep_terminal_orders",   "engine.unreachable_leak",
      // Undeclared leaks that keep memory (the thread and fd leaks keep
      // almost none: the process layer names them).
      "plans.undeclared_error_notes", "wallet.undeclared_slow_leak",    "market.undeclared_partial_cleanup",
  };
  return names;
}

std::vector<CanaryExpectation> build_catalog() {
  std::vector<CanaryExpectation> catalog;
  for (const engine::FailpointInfo& fp : engine::all_failpoints()) {
    CanaryExpectation e;
    e.failpoint = std::string(fp.name);
    e.component = std::string(fp.component);
    auto rule = component_rules().find(e.component);
    if (rule != component_rules().end()) {
      e.accepted_components = rule->second.accepted_components;
      e.code_markers = rule->second.code_markers;
    } else {
      // A component added to the engine without a rule here: its own name is
      // the best guess, and catalog_test fails so the rule gets written.
      e.accepted_components = {e.component};
    }
    e.allocates = allocating_failpoints().contains(e.failpoint);
    e.family = std::string(engine::to_string(fp.family));
    if (!fp.named_by.empty()) {
      // The failpoint table says what names it: one place for that fact.
      e.accepted_components.clear();
      std::string_view rest = fp.named_by;
      while (!rest.empty()) {
        const auto space = rest.find(' ');
        const std::string_view word = rest.substr(0, space);
        if (!word.empty()) e.accepted_components.emplace_back(word);
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      }
    }
    catalog.push_back(std::move(e));
  }
  return catalog;
}

}  // namespace

std::span<const CanaryExpectation> canary_catalog() {
  static const std::vector<CanaryExpectation> catalog = build_catalog();
  return catalog;
}

const CanaryExpectation& canary_expectation(std::string_view failpoint) {
  const auto catalog = canary_catalog();
  auto it = std::find_if(catalog.begin(), catalog.end(),
                         [&](const CanaryExpectation& e) { return e.failpoint == failpoint; });
  if (it != catalog.end()) return *it;
  std::string known;
  for (const CanaryExpectation& e : catalog) known += (known.empty() ? "" : ", ") + e.failpoint;
  throw std::invalid_argument("--failpoint " + std::string(failpoint) +
                              ": unknown failpoint; known: " + known);
}

bool has_component_rule(std::string_view component) {
  return component_rules().contains(std::string(component));
}

}  // namespace plateau::soak
