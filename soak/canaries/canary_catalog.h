// The canary catalog as the matrix reads it: for every failpoint of the system
// under test, what a run with it switched on must show for the canary to
// count as detected.
//
// The engine publishes these facts (engine/canary_catalog.h: which finding
// components name a failpoint, which code markers place a heap site in its
// code, whether it keeps memory a heap diff shows, its family); this file
// copies them into the matrix's own strings and names no engine class,
// container or component. `accepted_components` are the finding components
// that count as "names the right component"; `code_markers` are substrings
// of demangled function names; `allocates` says whether a heap-profile diff
// should show the bug.
//
// Families (engine::FailpointFamily): "seed" and "undeclared" canaries must
// be detected; a "must_not_fire" fixture must leave the run bounded (the
// matrix runs it like a clean seed and reports a finding as a failure).
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
  std::string failpoint;                         // "<component>.<bug>", as the system under test names it
  std::string component;                         // the failpoint's own component
  std::vector<std::string> accepted_components;  // finding components that name it (may be its owners')
  std::vector<std::string> code_markers;         // substrings of the functions that hold its memory
  bool allocates = false;
  std::string family = "seed";  // "seed", "undeclared" or "must_not_fire"
  bool must_fire() const { return family != "must_not_fire"; }
};

std::span<const CanaryExpectation> canary_catalog();

// Throws std::invalid_argument naming the unknown failpoint and the known ones.
const CanaryExpectation& canary_expectation(std::string_view failpoint);

// Whether the engine's catalog knows where a failpoint component's findings
// show up (false means a new engine component needs a rule in
// engine/canary_catalog.cc).
bool has_component_rule(std::string_view component);

// Whether a demangled frame is one every call into the system under test
// passes through (its facade, as the engine publishes it).
bool is_entry_frame(std::string_view frame);

}  // namespace plateau::soak
