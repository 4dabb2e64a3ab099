// The verdict's results in the report model's words: one place for what
// `plateau run` (soak/runner/report_assembly), `plateau watch` and the SUT
// runner all write about a judged series and a finding, so a figure the
// verdict adds (the clean margin, say) reaches every report at once.
//
// Thread safety: pure functions on values.
#pragma once

#include "reports/model.h"
#include "soak/verdict/verdict.h"

namespace plateau::soak {

reports::FindingKind to_report(FindingKind kind) noexcept;

// What the verdict judged of one series: its window minima, trend line,
// clean margin and verdict; marks it judged. Samples, unit, component and
// family are the caller's (each runner records them its own way).
void describe_judged(const SeriesAnalysis& analysis, reports::Series& out);

// The finding's series, component, kind, message, figures and time to detect.
reports::Finding to_report(const Finding& finding);

// The run's verdict: leak on any finding (a finding wins), else
// inconclusive when some trend could not be judged, else bounded.
reports::Verdict to_report(const VerdictResult& result) noexcept;

}  // namespace plateau::soak
