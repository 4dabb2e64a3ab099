#!/usr/bin/env bash
# The pre-deployment gate: does this build ship?
#
#   ci/gate.sh [--baseline BASE.json] [--out DIR] [-- plateau-run-options...]
#
# Sets up the machine, builds the `plateau` CLI (preset $PLATEAU_PRESET,
# default: jemalloc), runs soak/scenarios/gate.json (6 virtual hours, about a
# minute of wall time) and, when a baseline report is given (the last
# release's gate report.json), compares the run against it. Everything lands
# in one folder:
#   DIR/run/       the gate run's report (report.html, report.json, summary.md, junit.xml, heap dumps)
#   DIR/compare/   the comparison with the baseline (only with --baseline)
#   DIR/decision.txt  SHIP or DO NOT SHIP, and why
#   DIR/summary.md    the decision followed by the run's and the comparison's summaries
# Options after `--` go to `plateau run` (e.g. `-- --seed 7`, or
# `-- --failpoint plans.leak_execution_locks` to watch the gate refuse a leak).
#
# Exit code = the decision: 0 ship; 1 do not ship (a leak, a broken invariant,
# or a regression against the baseline); 2 bad input (scenario, baseline);
# 3 interrupted; 4 plateau failed unexpectedly; 5 inconclusive (no finding,
# but the run was too short to judge every trend: never a ship). PLATEAU_SKIP_BUILD=1 reuses
# the existing binary in PLATEAU_BUILD_DIR (default build/$PLATEAU_PRESET).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

baseline=""
out=""
run_args=()
while (($#)); do
  case "$1" in
    --baseline) baseline=${2:?--baseline needs a report.json}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; run_args=("$@"); break ;;
    *) echo "ci/gate.sh: unknown option '$1' (see ci/gate.sh --help)" >&2; exit 2 ;;
  esac
done

preset=${PLATEAU_PRESET:-default}
out=${out:-plateau-out/gate-${preset}-$(date -u +%Y%m%dT%H%M%SZ)}
if [[ -n "$baseline" && ! -f "$baseline" ]]; then
  echo "ci/gate.sh: --baseline $baseline: no such file" >&2
  exit 2
fi

if [[ "${PLATEAU_SKIP_BUILD:-0}" != 1 ]]; then
  ci/setup.sh
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target plateau -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
plateau="${PLATEAU_BUILD_DIR:-build/$preset}/bin/plateau"

rm -rf "$out/run" "$out/compare"
mkdir -p "$out"

run_status=0
"$plateau" run soak/scenarios/gate.json --out "$out/run" "${run_args[@]}" || run_status=$?

compare_status=0
if [[ -n "$baseline" && -f "$out/run/report.json" ]]; then
  "$plateau" compare "$baseline" "$out/run/report.json" --out "$out/compare" >/dev/null || compare_status=$?
fi

case "$run_status" in
  0) reason="the gate run stayed bounded" ;;
  1) reason="the gate run found a leak or a broken invariant (see $out/run/summary.md)" ;;
  2) reason="bad input: the scenario or an option was refused (see the message above)" ;;
  3) reason="the gate run was interrupted; its report is partial" ;;
  5) reason="the gate run was inconclusive: too few windows to judge every trend, so bounded was not shown (see $out/run/summary.md for how long a run must be)" ;;
  *) reason="plateau failed unexpectedly (exit $run_status)" ;;
esac
status=$run_status
if ((status == 0 && compare_status != 0)); then
  status=$compare_status
  if ((compare_status == 1)); then
    reason="the run regressed against the baseline $baseline (see $out/compare/summary.md)"
  else
    reason="the comparison with $baseline failed (exit $compare_status): the baseline could not be read"
  fi
elif ((status == 0)) && [[ -n "$baseline" ]]; then
  reason="$reason and did not regress against the baseline $baseline"
fi

if ((status == 0)); then decision="SHIP"; else decision="DO NOT SHIP"; fi
printf '%s: %s\n' "$decision" "$reason" >"$out/decision.txt"
{
  printf '## Gate: %s\n\n%s\n\n' "$decision" "$reason"
  [[ -f "$out/run/summary.md" ]] && cat "$out/run/summary.md"
  [[ -f "$out/compare/summary.md" ]] && { printf '\n'; cat "$out/compare/summary.md"; }
} >"$out/summary.md"

echo "gate: $decision: $reason"
reports="summary.md"
[[ -f "$out/run/report.html" ]] && reports+=", run/report.html"
[[ -f "$out/compare/report.html" ]] && reports+=", compare/report.html"
echo "gate: reports in $out/ ($reports)"
exit "$status"
