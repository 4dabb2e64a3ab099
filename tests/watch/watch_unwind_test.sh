#!/bin/bash
# Integration test of the libunwind backtrace shim in `plateau watch --heap
# jemalloc` (ctest label integration; probes/jemalloc_unwind_shim.cc):
#  - with the shim (found beside plateau in the build tree), it is loaded in
#    the target (the dumps' MAPPED_LIBRARIES list it), reports "libunwind",
#    no stack starts in the shim, and the leak is named after the target's
#    own allocating function;
#  - without it (PLATEAU_JEMALLOC_UNWIND_SO=""), the watch still names the
#    leak and says, in a note, that jemalloc's default unwinder was used.
# Both watches run in parallel, 24 s each.
#
# Usage: watch_unwind_test.sh PLATEAU WATCH_TARGET
set -u
PLATEAU=$1
TARGET=$2
OUT=$(mktemp -d /tmp/plateau-watch-unwind.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
FAST=(--duration 24s --sample-interval 100ms --window 2s --warm-up 4s --heap jemalloc
      --heap-interval-bytes 1048576 --heap-sample-bytes 16384)

( "$PLATEAU" watch "${FAST[@]}" --out "$OUT/shim" -- "$TARGET" leak-memory >"$OUT/shim.log" 2>&1
  echo $? >"$OUT/shim.rc" ) &
( PLATEAU_JEMALLOC_UNWIND_SO="" "$PLATEAU" watch "${FAST[@]}" --out "$OUT/noshim" -- "$TARGET" leak-memory \
    >"$OUT/noshim.log" 2>&1
  echo $? >"$OUT/noshim.rc" ) &
wait

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
failures = []
def check(cond, msg):
    if not cond:
        failures.append(msg)

for name, shim in (("shim", True), ("noshim", False)):
    rc = open(f"{out}/{name}.rc").read().strip()
    check(rc == "1", f"{name}: exit {rc}, expected 1 (leak)\n" + open(f"{out}/{name}.log").read()[-2000:])
    try:
        r = json.load(open(f"{out}/{name}/report.json"))
    except OSError as e:
        failures.append(f"{name}: no report ({e})")
        continue
    notes = " | ".join(r.get("notes", []))
    sites = r["heap_profile"]["top_sites"]
    top = sites[0]["our_frame"] if sites else ""
    check("remember_order_forever" in top, f"{name}: top heap site {top!r}, expected remember_order_forever")
    for s in sites:
        check(not any("plateau_prof_backtrace_libunwind" in f or "libplateau_jemalloc_unwind" in f
                      for f in s["stack"][:1]), f"{name}: a stack starts in the shim: {s['stack'][:2]}")
    dumps = r["heap_profile"]["dump_files"]
    mapped = any("libplateau_jemalloc_unwind.so" in open(d, errors="replace").read() for d in dumps)
    if shim:
        check(mapped, f"{name}: the shim is not mapped in the target (dumps {dumps})")
        check("default unwinder" not in notes and "did not report" not in notes,
              f"{name}: unexpected unwinder note: {notes}")
        status = open(f"{out}/{name}/heap/unwind-status").read().strip() if dumps else ""
        check(status == "libunwind", f"{name}: shim status {status!r}, expected 'libunwind'")
    else:
        check(not mapped, f"{name}: the shim is mapped although PLATEAU_JEMALLOC_UNWIND_SO is empty")
        check("default unwinder" in notes, f"{name}: no note about the default unwinder: {notes}")
for f in failures:
    print("FAIL", f)
print("ok" if not failures else f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
PY
