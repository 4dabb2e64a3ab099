#include "soak/scenario/verdict_settings.h"

namespace plateau::soak {

VerdictSettings verdict_settings_for(const Scenario& scenario) {
  VerdictSettings s;
  s.warm_up_end_s = seconds(scenario.warm_up);
  s.window_s = seconds(scenario.verdict.window);
  s.horizon_s = seconds(scenario.duration);
  // The engine restarts every restart_interval from the start, for as long
  // as the run lasts (the harness's periodic restart; none at the end).
  if (scenario.restart_interval > Duration::zero()) {
    for (Duration t = scenario.restart_interval; t < scenario.duration; t += scenario.restart_interval) {
      s.restarts_s.push_back(seconds(t));
    }
  }
  s.alpha = scenario.verdict.alpha;
  s.growth_confidence = scenario.verdict.growth_confidence;
  s.relative_tolerance = scenario.verdict.relative;
  s.absolute_tolerance = scenario.verdict.absolute_default;
  s.absolute_by_unit = scenario.verdict.absolute_by_unit;
  for (const auto& [prefix, absolute] : scenario.verdict.absolute_by_prefix) {
    s.absolute_by_prefix.push_back({prefix, absolute, "bytes"});
  }
  for (const auto& [prefix, by_unit] : scenario.verdict.absolute_by_prefix_unit) {
    for (const auto& [unit, absolute] : by_unit) s.absolute_by_prefix.push_back({prefix, absolute, unit});
  }
  return s;
}

sut::SoakPlan sut_plan_for(const Scenario& scenario) {
  sut::SoakPlan plan;
  plan.duration_s = seconds(scenario.duration);
  plan.warm_up_s = seconds(scenario.warm_up);
  plan.window_s = seconds(scenario.verdict.window);
  plan.sample_interval_s = seconds(scenario.sample_interval);
  plan.seed = scenario.seed;
  plan.alpha = scenario.verdict.alpha;
  plan.relative_tolerance = scenario.verdict.relative;
  plan.absolute_by_unit = scenario.verdict.absolute_by_unit;
  // The SUT runner's process and allocator series take the scenario's
  // process. and alloc. byte tolerances, as `plateau run` judges them.
  const auto& by_prefix = scenario.verdict.absolute_by_prefix;
  if (auto process = by_prefix.find("process."); process != by_prefix.end()) {
    plan.process_absolute_bytes = process->second;
  }
  if (auto alloc = by_prefix.find("alloc."); alloc != by_prefix.end()) plan.heap_absolute_bytes = alloc->second;
  // Units the scenario does not name keep the plan's defaults (threads, fds).
  const sut::SoakPlan defaults;
  for (const char* unit : {"threads", "fds"}) {
    plan.absolute_by_unit.try_emplace(unit, defaults.absolute_by_unit.at(unit));
  }
  return plan;
}

}  // namespace plateau::soak
