// The canary catalog: for every engine failpoint, what a run with it switched
// on must show for the canary to count as detected.
//
// A failpoint's component (engine/core/failpoints.h: "plans", "cache",
// "exits", "engine", ...) is where the bug lives, which is not always the
// component name its containers report in the inventory: BoundedCache is
// owned by the wallet monitor and the trade executor and reports under their
// names; the classic unreachable leak has no container at all and shows in
// the allocator series. `accepted_components` lists the inventory/series
// component names a finding may carry to count as "names the right
// component"; `code_markers` are substrings of demangled function names that
// place a heap-profile site in the component's code (class names, since every
// engine class shares the plateau::engine namespace). `allocates` says
// whether the bug retains memory, i.e. whether a heap-profile diff should
// show it.
//
// Families (engine::FailpointFamily): "seed" and "undeclared" canaries must
// be detected; a "must_not_fire" fixture must leave the run bounded (the
// matrix runs it like a clean seed and reports a finding as a failure). For
// undeclared and must-not-fire entries the accepted components come from the
// engine's failpoint table (FailpointInfo::named_by), the one place that
// says what names them; the seed entries keep the component rules below.
//
// Thread safety: immutable after construction; the table is built once.
// Invariant: one expectation per entry of engine::all_failpoints(), in the
// same order (catalog_test checks it, so a new failpoint cannot be forgotten).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::soak {

struct CanaryExpectation {
  std::string failpoint;                         // e.g. "plans.leak_execution_locks"
  std::string component;                         // the failpoint's own component, e.g. "cache"
  std::vector<std::string> accepted_components;  // e.g. {"wallet", "executor"} for "cache"
  std::vector<std::string> code_markers;         // e.g. {"BoundedCache"}
  bool allocates = false;
  std::string family = "seed";  // "seed", "undeclared" or "must_not_fire"
  bool must_fire() const { return family != "must_not_fire"; }
};

std::span<const CanaryExpectation> canary_catalog();

// Throws std::invalid_argument naming the unknown failpoint and the known ones.
const CanaryExpectation& canary_expectation(std::string_view failpoint);

// Whether the catalog knows where a failpoint component's findings show up
// (false means a new engine component needs a rule in canary_catalog.cc).
bool has_component_rule(std::string_view component);

}  // namespace plateau::soak
