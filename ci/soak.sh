#!/usr/bin/env bash
# The main job: the nightly soak with the default scenario.
#
#   ci/soak.sh [SCENARIO] [plateau run options...]
#
# Sets up the machine, builds the `plateau` CLI (preset default: jemalloc,
# heap profiles on), runs SCENARIO (default soak/scenarios/nightly.json: 24
# virtual hours at production-like rates, about a minute of wall time) and
# prints where the report is. PLATEAU_PRESET picks another allocator build
# (tcmalloc, system). Exit code: plateau's own (0 bounded, 1 leak or broken
# invariant, 2 bad input, 3 interrupted).
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=${1:-soak/scenarios/nightly.json}
shift $(( $# > 0 ? 1 : 0 ))
preset=${PLATEAU_PRESET:-default}
out=${PLATEAU_OUT:-plateau-out/$(basename "$scenario" .json)-${preset}-$(date -u +%Y%m%dT%H%M%SZ)}

ci/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target plateau -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

status=0
"build/$preset/bin/plateau" run "$scenario" --out "$out" "$@" || status=$?
echo "plateau: report in $out/ (report.html, report.json, summary.md, junit.xml)"
exit "$status"
