// From recorded samples to the report model: the verdict's inputs, and the
// verdict's results (plus context, heap profile, residue examples) copied
// into reports::Report.
//
// This is bookkeeping only: the verdict library computes every figure, the
// writers format it. Which series are judged: inventory, alloc and process
// series (bound and trend) and invariant and residue series (must stay zero),
// except those their probe published as context (probes::SeriesRole: the
// allocator's retention figures, process.hwm_bytes, raw readings, plateau's
// own memory; the probes say which and why); health counters (cumulative by
// nature) are recorded, not judged.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "probes/audit_probe.h"
#include "reports/model.h"
#include "soak/runner/sample_recorder.h"
#include "soak/scenario/scenario.h"
#include "soak/scenario/verdict_settings.h"
#include "soak/verdict/verdict.h"

namespace plateau::soak {

// True when the series is judged by the verdict.
bool is_judged(const RecordedSeries& series);

std::vector<SeriesInput> verdict_inputs(const SampleRecorder& recorder);

// Fills report.series (every recorded series but the health counters, which
// stay in series.csv) and report.findings from the recorder and the verdict;
// residue findings get their example keys from `residue` (the audit probe's
// last pass), matched by component and container.
void fill_series_and_findings(reports::Report& report, const SampleRecorder& recorder,
                              const VerdictResult& verdict, const std::vector<probes::ContainerResidue>& residue,
                              double run_start_offset_s);

reports::ScenarioSummary scenario_summary(const Scenario& scenario);

}  // namespace plateau::soak
