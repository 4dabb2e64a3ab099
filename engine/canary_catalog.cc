#include "engine/canary_catalog.h"

#include <algorithm>
#include <array>

namespace plateau::engine {
namespace {

struct ComponentRule {
  std::string_view component;  // a FailpointInfo::component
  std::vector<std::string_view> named_by;
  std::vector<std::string_view> code_markers;
};

// Failpoint component -> where its findings and heap sites show up.
const std::vector<ComponentRule>& component_rules() {
  static const std::vector<ComponentRule> rules = {
      {"plans", {"plans"}, {"AutoExecutor", "PlanStore"}},
      {"market", {"market"}, {"MarketData", "PriceProvider"}},
      // BoundedCache reports under its owner's name (wallet_monitor.cc,
      // trade_executor.cc construct theirs with "wallet" / "executor").
      {"cache", {"cache", "wallet", "executor"}, {"BoundedCache"}},
      {"executor", {"executor"}, {"TradeExecutor"}},
      {"wallet", {"wallet"}, {"WalletMonitor"}},
      {"paper", {"paper"}, {"PaperEngine"}},
      {"exits", {"exits"}, {"ExitManager"}},
      {"router", {"router"}, {"OrderRouter"}},
      {"portfolio", {"portfolio", "priority_symbols"}, {"Portfolio", "PrioritySymbols"}},
      // The classic leak has no container: only the allocator series see it,
      // and the heap diff names the one function that leaks.
      {"engine", {"engine", "allocator"}, {"plateau_engine_unreachable_leak_site"}},
  };
  return rules;
}

// Failpoints whose bug keeps memory that grows over the gate run by more
// than the heap diff's noise (bounded caches churning move a few hundred KiB
// between two dumps; one sample per 16 KiB allocated), so the diff between
// the start and the end of the measured phase must show it. The others
// break a correctness invariant, exceed a bound only briefly, or keep too
// little for a sampled profile to see: invalid-symbol marks and M1 caches of
// churned symbols (under 150 KiB in a gate run, lost among the caches'
// churn) and position locks (held in a BoundedCache whose capacity caps
// them); their inventory and audit signals name them instead.
constexpr std::array kHeapVisible{
    Failpoint::kPlansLeakExecutionLocks,
    Failpoint::kPlansLeakConfidenceHistory,
    Failpoint::kMarketUnboundedOpenInterest,
    Failpoint::kWalletUnboundedProcessedTx,
    Failpoint::kRouterKeepTerminalOrders,
    Failpoint::kEngineUnreachableLeak,
    // Undeclared leaks that keep memory (the thread and fd leaks keep almost
    // none: the process layer names them).
    Failpoint::kPlansUndeclaredErrorNotes,
    Failpoint::kWalletUndeclaredSlowLeak,
    Failpoint::kMarketUndeclaredPartialCleanup,
};

const ComponentRule* rule_for(std::string_view component) noexcept {
  for (const ComponentRule& rule : component_rules()) {
    if (rule.component == component) return &rule;
  }
  return nullptr;
}

std::vector<std::string_view> split_words(std::string_view rest) {
  std::vector<std::string_view> words;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const std::string_view word = rest.substr(0, space);
    if (!word.empty()) words.push_back(word);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
  }
  return words;
}

std::vector<CanaryFacts> build_catalog() {
  std::vector<CanaryFacts> catalog;
  for (const FailpointInfo& fp : all_failpoints()) {
    CanaryFacts facts;
    facts.failpoint = &fp;
    if (const ComponentRule* rule = rule_for(fp.component)) {
      facts.named_by = rule->named_by;
      facts.code_markers = rule->code_markers;
    } else {
      // A component without a rule: its own name is the best guess, and the
      // catalog test fails so the rule gets written.
      facts.named_by = {fp.component};
    }
    // Undeclared and must-not-fire entries say in the failpoint table what
    // names them (a thread leak is named by the process series, too).
    if (!fp.named_by.empty()) facts.named_by = split_words(fp.named_by);
    facts.heap_visible = std::find(kHeapVisible.begin(), kHeapVisible.end(), fp.id) != kHeapVisible.end();
    catalog.push_back(std::move(facts));
  }
  return catalog;
}

}  // namespace

std::span<const CanaryFacts> canary_catalog() {
  static const std::vector<CanaryFacts> catalog = build_catalog();
  return catalog;
}

bool has_canary_rule(std::string_view failpoint_component) noexcept {
  return rule_for(failpoint_component) != nullptr;
}

std::span<const std::string_view> entry_frames() noexcept {
  static constexpr std::string_view kFrames[] = {"plateau::engine::Engine::"};
  return kFrames;
}

}  // namespace plateau::engine
