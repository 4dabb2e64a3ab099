#!/usr/bin/env bash
# ci/gate.sh end to end: its exit code is the decision, and decision.txt says
# why. Runs the real gate scenario with the plateau binary ctest built.
#
#   tests/integration/gate_script_test.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: gate_script_test.sh BUILD_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PLATEAU_SKIP_BUILD=1 PLATEAU_BUILD_DIR="$build_dir"

failures=0
expect() {  # expect NAME WANT_EXIT WANT_DECISION_PREFIX -- gate.sh args...
  local name=$1 want=$2 decision=$3
  shift 4
  local got=0
  "$repo/ci/gate.sh" --out "$work/$name" "$@" >"$work/$name.log" 2>&1 || got=$?
  if ((got != want)); then
    echo "FAIL $name: exit $got, want $want"; sed 's/^/  | /' "$work/$name.log"; failures=$((failures + 1)); return
  fi
  if [[ -n "$decision" ]] && ! grep -q "^$decision" "$work/$name/decision.txt"; then
    echo "FAIL $name: decision.txt reads '$(cat "$work/$name/decision.txt")', want '$decision...'"
    failures=$((failures + 1)); return
  fi
  echo "ok   $name: exit $got${decision:+, $decision}"
}

expect clean 0 "SHIP: the gate run stayed bounded" --
[[ -f "$work/clean/run/report.html" && -f "$work/clean/summary.md" ]] || { echo "FAIL clean: reports missing"; failures=$((failures + 1)); }
expect leak 1 "DO NOT SHIP: the gate run found a leak" -- -- --failpoint plans.leak_execution_locks
expect clean-vs-baseline 0 "SHIP: the gate run stayed bounded and did not regress" -- --baseline "$work/clean/run/report.json"
expect missing-baseline 2 "" -- --baseline "$work/no-such-report.json"
# Too short to judge any trend: never a ship, even though nothing was found.
expect too-short 5 "DO NOT SHIP: the gate run was inconclusive" -- -- --duration 1h
expect bad-failpoint 2 "DO NOT SHIP: bad input" -- -- --failpoint plans.no_such_bug

((failures == 0)) || { echo "$failures gate case(s) failed"; exit 1; }
