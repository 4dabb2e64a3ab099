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
#include "soak/verdict/verdict.h"

namespace plateau::soak {

VerdictSettings verdict_settings_for(const Scenario& scenario);

}  // namespace plateau::soak
