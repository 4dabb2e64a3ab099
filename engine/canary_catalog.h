// The engine's canary catalog: for every failpoint (engine/core/failpoints.h),
// what a soak with it switched on must show for the canary to count as
// detected. The engine publishes it because only the engine knows where its
// bugs show: which component names its findings carry, which of its classes
// hold the memory, whether the bug keeps memory at all. The soak's canary
// matrix (soak/canaries/) reads this table and names no engine class.
//
// A failpoint's component (FailpointInfo::component: "plans", "cache",
// "engine", ...) is where the bug lives, which is not always the component
// name its containers report in the inventory: BoundedCache is owned by the
// wallet monitor and the trade executor and reports under their names; the
// classic unreachable leak has no container and shows in the allocator
// series. `named_by` lists the finding components that count as "names the
// right component"; `code_markers` are substrings of demangled function names
// that place a heap-profile site in the component's code (class names, as
// every engine class shares the plateau::engine namespace); `heap_visible`
// says whether the bug keeps enough memory for a heap-profile diff of a gate
// run to show it.
//
// Thread safety: pure functions over constant data; call from any thread.
// Invariants: one entry per entry of all_failpoints(), in the same order;
// every entry has at least one named_by and one code marker (tests check).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/core/failpoints.h"

namespace plateau::engine {

struct CanaryFacts {
  const FailpointInfo* failpoint = nullptr;
  std::vector<std::string_view> named_by;      // e.g. {"cache", "wallet", "executor"}
  std::vector<std::string_view> code_markers;  // e.g. {"BoundedCache"}
  bool heap_visible = false;
};

// Every failpoint's facts, in all_failpoints() order.
std::span<const CanaryFacts> canary_catalog();

// Whether the catalog has a rule for where a failpoint component's findings
// show up (false means a new engine component needs a row in
// engine/canary_catalog.cc).
bool has_canary_rule(std::string_view failpoint_component) noexcept;

// Substrings of the demangled frames every call from outside the engine
// passes through (its facade): past them a heap stack says how the load
// reached the engine, not where a bug is.
std::span<const std::string_view> entry_frames() noexcept;

}  // namespace plateau::engine
