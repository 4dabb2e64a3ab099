#include "soak/canaries/canary_catalog.h"

#include <algorithm>
#include <stdexcept>

#include "engine/canary_catalog.h"

namespace plateau::soak {

namespace {

std::vector<std::string> strings_of(const std::vector<std::string_view>& words) {
  return {words.begin(), words.end()};
}

std::vector<CanaryExpectation> build_catalog() {
  std::vector<CanaryExpectation> catalog;
  for (const engine::CanaryFacts& facts : engine::canary_catalog()) {
    CanaryExpectation e;
    e.failpoint = std::string(facts.failpoint->name);
    e.component = std::string(facts.failpoint->component);
    e.accepted_components = strings_of(facts.named_by);
    e.code_markers = strings_of(facts.code_markers);
    e.allocates = facts.heap_visible;
    e.family = std::string(engine::to_string(facts.failpoint->family));
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

bool has_component_rule(std::string_view component) { return engine::has_canary_rule(component); }

bool is_entry_frame(std::string_view frame) {
  const auto frames = engine::entry_frames();
  return std::any_of(frames.begin(), frames.end(),
                     [&](std::string_view entry) { return frame.find(entry) != std::string_view::npos; });
}

}  // namespace plateau::soak
