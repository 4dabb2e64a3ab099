// The verdict settings a scenario asks for: its warm-up, duration (the
// horizon growth is projected over), window, alpha, tolerances and the
// instants its restart_interval restarts the engine at, in the form
// plateau::soak::judge takes.
//
// Thread safety: a pure function on values.
// Invariants: for a scenario that passed validate_scenario, the result passes
// plateau::soak::validate(VerdictSettings).
#pragma once

#include "soak/scenario/scenario.h"
#include "soak/sut/system_under_test.h"
#include "soak/verdict/verdict.h"

namespace plateau::soak {

VerdictSettings verdict_settings_for(const Scenario& scenario);

// The same scenario as the public soak API's plan (soak/sut): duration,
// warm-up, window, sample interval, seed, alpha and the tolerances the plan
// can carry (relative, absolute per unit). For soaking a system through
// sut::run_sut_soak with a scenario's shape (engine_soak and its tests).
sut::SoakPlan sut_plan_for(const Scenario& scenario);

}  // namespace plateau::soak
