#!/usr/bin/env bash
# A developer's heap-profile run: which allocation sites grow?
#
#   ci/heap-profile.sh SCENARIO [plateau-run-options...]
#   e.g. ci/heap-profile.sh soak/scenarios/smoke.json --failpoint engine.unreachable_leak
#
# Builds `plateau` against jemalloc (preset default, or PLATEAU_PRESET=tcmalloc
# for gperftools), runs SCENARIO with heap profiling on for the measured
# phase (dumps at its start, at each checkpoint and at its end), prints the
# top growing sites plateau found, and the commands that open the raw dumps
# in jeprof / google-pprof. The report and the dumps go to PLATEAU_OUT
# (default plateau-out/heap-<scenario>-<time>). PLATEAU_LG_PROF_SAMPLE (jemalloc,
# default 14 = one sample per 16 KiB) samples more finely when lowered.
# PLATEAU_SKIP_BUILD=1 reuses an existing binary (in PLATEAU_BUILD_DIR, default
# build/$PLATEAU_PRESET). Exit code: plateau run's (0 bounded, 1 leak, 2 bad
# input, 3 interrupted).
set -euo pipefail
cd "$(dirname "$0")/.."

if (($# < 1)) || [[ "$1" == -h || "$1" == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit $(( $# < 1 ? 2 : 0 ))
fi
scenario=$1
shift
preset=${PLATEAU_PRESET:-default}
case "$preset" in
  default|tcmalloc) ;;
  *) echo "ci/heap-profile.sh: PLATEAU_PRESET=$preset has no heap profiler; use default (jemalloc) or tcmalloc" >&2
     exit 2 ;;
esac
out=${PLATEAU_OUT:-plateau-out/heap-$(basename "$scenario" .json)-$(date -u +%Y%m%dT%H%M%SZ)}

if [[ "${PLATEAU_SKIP_BUILD:-0}" != 1 ]]; then
  ci/setup.sh
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target plateau -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
plateau="$PWD/${PLATEAU_BUILD_DIR:-build/$preset}/bin/plateau"
if [[ -n "${PLATEAU_LG_PROF_SAMPLE:-}" && "$preset" == default ]]; then
  export MALLOC_CONF="prof:true,prof_active:false,lg_prof_sample:${PLATEAU_LG_PROF_SAMPLE}"
fi

status=0
"$plateau" run "$scenario" --out "$out" "$@" || status=$?

report="$out/report.json"
if [[ ! -f "$report" ]]; then
  echo "ci/heap-profile.sh: no report was written (exit $status)" >&2
  exit "$status"
fi

# Reads the heap-profile section of report.json (python3 is on every Debian).
python3 - "$report" "$plateau" "$preset" <<'PY'
import json, sys
report, binary, preset = sys.argv[1], sys.argv[2], sys.argv[3]
heap = json.load(open(report))["heap_profile"]
tool = "jeprof" if preset == "default" else "google-pprof"
if heap["backend"] == "none" or not heap["dump_files"]:
    print(f"\nno heap dumps: {heap['reason'] or 'profiling was not active'}")
    sys.exit(0)
print(f"\nheap profile ({heap['backend']}): {len(heap['dump_files'])} dumps")
for d in heap["dump_files"]:
    print(f"  {d}")
if heap["top_sites"]:
    print(f"\ntop growing sites, {heap['diff_base']} -> {heap['diff_target']}:")
    for s in heap["top_sites"][:10]:
        print(f"  {s['bytes_added']:>12} bytes {s['objects_added']:>8} objects  {s['our_frame']}")
print("\nopen the dumps:")
for c in heap["open_commands"]:
    print(f"  {c}")
if heap["diff_base"] and heap["diff_target"]:
    base, target = heap["diff_base"], heap["diff_target"]
    keep = " --retain=plateau::engine::" if tool == "jeprof" else ""  # see docs/ci.md
    print(f"  {binary} heap --lines --base {base} {target}   # growth by function and file:line")
    print(f"  {tool} --svg{keep} --base {base} {binary} {target} > growth.svg   # call graph (graphviz)")
    print(f"  {tool} --web{keep} --base {base} {binary} {target}        # the same in a browser")
print(f"\n{tool} ships with the "
      + ("libjemalloc-dev package (jeprof)" if tool == "jeprof" else "google-perftools package (google-pprof)")
      + "; ci/setup.sh installs both.")
PY
echo "report: $out/report.html"
exit "$status"
