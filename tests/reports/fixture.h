// Fixed reports for the writer tests: every value is exact in binary
// floating point, so the golden files do not depend on compiler or flags.
#pragma once

#include "reports/model.h"

namespace plateau::reports::testing {

// A leaking gate run: a trend and a residue finding on the plans lock table,
// a bound finding on OHLCV, an invariant finding, bounded allocator and
// process series, a jemalloc heap diff. Strings carry XML/Markdown specials.
Report leaking_run_report();
// A finding of kind site (function, file:line, stack), for round trips.
Finding site_finding();

// A merged canary-matrix report (two shards) with a comparison table: one
// canary missed, one clean run not bounded.
Report canary_matrix_report();

}  // namespace plateau::reports::testing
