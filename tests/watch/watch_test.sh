#!/bin/bash
# Integration test of `plateau watch` (ctest label integration): leaking and
# bounded programs in C++, Python, Perl, Node.js and shell, launch and attach mode,
# process trees (a wrapper's child, leaked processes and zombies, a pre-fork
# server, a daemon that double-forks),
# heap profiling, a target that exits / crashes, a load command, SIGINT,
# and bad input. The watches run in parallel (they mostly sleep), 20 s each.
#
# Usage: watch_test.sh PLATEAU WATCH_TARGET [WATCH_TARGET_STATIC]
set -u
PLATEAU=$1
TARGET=$2
STATIC_TARGET=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d /tmp/plateau-watch-test.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
FAST=(--duration 24s --sample-interval 100ms --window 2s --warm-up 4s)
FLAGS=()
CHECK="python3 $HERE/check_report.py"
# The interpreter itself, not a version-manager shim (pyenv's forks and
# execs for seconds before the script runs).
PY=$(python3 -c 'import sys; print(sys.executable)')
failures=0

# run NAME WANT_EXIT [watch args...]: a watch in the background.
run() {
  local name=$1 want=$2; shift 2
  ( "$PLATEAU" watch "${FLAGS[@]:-${FAST[@]}}" --out "$OUT/$name" "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr"
    echo $? >"$OUT/$name.rc" ) &
  echo "$want" >"$OUT/$name.want"
}
expect() {  # expect NAME check_report args...
  local name=$1; shift
  local got want
  got=$(cat "$OUT/$name.rc"); want=$(cat "$OUT/$name.want")
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; sed 's/^/    /' "$OUT/$name.stderr" | head -20
    failures=$((failures + 1)); return
  fi
  if [ $# -gt 0 ] && ! $CHECK "$OUT/$name" "$@"; then
    echo "FAIL $name: report"; failures=$((failures + 1)); return
  fi
  echo "ok   $name (exit $got)"
}

# Attach mode: a leaking process plateau did not start.
"$TARGET" leak-fds 120 &
attached=$!

run cpp-memory-jemalloc 1 --heap jemalloc --heap-interval-bytes 1048576 --heap-sample-bytes 16384 -- "$TARGET" leak-memory
run cpp-memory-tcmalloc 1 --heap tcmalloc --heap-interval-bytes 4194304 -- "$TARGET" leak-memory
[ -n "$STATIC_TARGET" ] && run cpp-static-heap 1 --heap jemalloc -- "$STATIC_TARGET" leak-memory
run cpp-threads 1 -- "$TARGET" leak-threads
# 50 ms samples: buckets of window/8 hold 5 passes, so these run compacted.
FLAGS=(--duration 20s --sample-interval 50ms --window 2s --warm-up 4s)
run cpp-fds 1 -- "$TARGET" leak-fds
run cpp-bounded-compacted 0 -- "$TARGET" bounded
FLAGS=()
run cpp-bounded 0 -- "$TARGET" bounded
run py-sockets 1 -- "$PY" "$HERE/leak_fds.py" leak
run py-bounded 0 -- "$PY" "$HERE/leak_fds.py" bounded
run perl-memory 1 -- "$HERE/leak_memory.pl" leak
run perl-bounded 0 -- "$HERE/leak_memory.pl" bounded
run sh-bounded-load 0 --load 'sleep 1; exit 7' -- "$HERE/bounded_load.sh"
run exits-early 5 -- "$TARGET" exit-early 6
run crashes 0 -- "$TARGET" crash 22
run attach 1 --pid "$attached" --heap jemalloc
# Process trees: the target and its descendants are judged together.
run tree-wrapper 1 -- "$HERE/run_child.sh" "$TARGET" leak-memory
run tree-children 1 -- "$PY" "$HERE/process_tree.py" leak-children
run tree-zombies 1 -- "$PY" "$HERE/process_tree.py" leak-zombies
run tree-prefork 0 -- "$PY" "$HERE/process_tree.py" prefork
run tree-daemon 1 -- "$PY" "$HERE/process_tree.py" daemon-leak
if command -v node >/dev/null; then
  run node-memory 1 -- node "$HERE/leak_memory.js" leak
  run node-bounded 0 -- node "$HERE/leak_memory.js" clean
fi
# The target's stdin is /dev/null whatever plateau's is (a background group
# reading a terminal is stopped), and its stdout goes to plateau's stderr
# (plateau's stdout is the report path only).
( "$PLATEAU" watch "${FAST[@]}" --out "$OUT/stdio" -- sh -c \
    'echo target-says-hi; test "$(readlink /proc/self/fd/0)" = /dev/null || exit 9; exec sleep 60' \
    </dev/zero >"$OUT/stdio.stdout" 2>"$OUT/stdio.stderr"; echo $? >"$OUT/stdio.rc" ) &
echo 0 >"$OUT/stdio.want"
# SIGINT: a partial report marked incomplete, exit 3, the target stopped.
( "$PLATEAU" watch --duration 60s --sample-interval 100ms --out "$OUT/sigint" -- "$TARGET" bounded \
    >"$OUT/sigint.stdout" 2>"$OUT/sigint.stderr" & w=$!
  sleep 3; kill -INT $w; wait $w; echo $? >"$OUT/sigint.rc" ) &
echo 3 >"$OUT/sigint.want"

# Bad input: exit 2 with the field named, before anything runs.
bad() {  # bad NAME TEXT-IN-STDERR args...
  local name=$1 text=$2; shift 2
  "$PLATEAU" watch "$@" >/dev/null 2>"$OUT/$name.stderr"; local rc=$?
  if [ $rc -ne 2 ] || ! grep -q -- "$text" "$OUT/$name.stderr"; then
    echo "FAIL $name: exit $rc, stderr: $(cat "$OUT/$name.stderr")"; failures=$((failures + 1))
  else
    echo "ok   $name (exit 2: $(head -c 120 "$OUT/$name.stderr"))"
  fi
}
echo '{"duration": "20s", "sample_intervall": "1s"}' >"$OUT/unknown.json"
echo '{"heap": "glibc"}' >"$OUT/badheap.json"
bad config-unknown-field '$.sample_intervall' --config "$OUT/unknown.json" -- true
bad config-bad-heap '$.heap' --config "$OUT/badheap.json" -- true
echo '{"children": "no", "absolute_tolerance": {"processes": 2}}' >"$OUT/badchildren.json"
bad config-bad-children '$.children' --config "$OUT/badchildren.json" -- true
bad no-target 'no target'
bad window-too-long 'windows fit' --duration 20s --window 10s -- true
bad no-such-pid 'no such process' --pid 999999 --duration 20s

wait_all() { for j in $(jobs -p); do [ "$j" = "$attached" ] || wait "$j"; done; }
wait_all

expect cpp-memory-jemalloc --verdict leak --finding process.anon_bytes --heap-site remember_order_forever \
  --heap-site watch_target.cc
expect cpp-memory-tcmalloc --verdict leak --finding process.anon_bytes --heap-site remember_order_forever
if [ -n "$STATIC_TARGET" ]; then
  expect cpp-static-heap --verdict leak --finding process.anon_bytes --note 'is a static binary'
fi
expect cpp-threads --verdict leak --finding process.threads.worker-#
expect cpp-fds --verdict leak --finding process.fds./dev/null
expect cpp-bounded --verdict bounded --no-findings --margin process.anon_bytes=-1e9:1
expect cpp-bounded-compacted --verdict bounded --no-findings
expect py-sockets --verdict leak --finding process.fds.socket
expect py-bounded --verdict bounded --no-findings
expect perl-memory --verdict leak --finding process.anon_bytes --margin process.anon_bytes=1:1e9
expect perl-bounded --verdict bounded --no-findings
expect sh-bounded-load --verdict bounded --note 'exited with status 7' --param load.exit_status=7
expect exits-early --verdict incomplete --note 'target exited with status 3' --note 'too short' \
  --param target.exit_status=3
expect crashes --verdict bounded --note 'killed by SIGSEGV' --param target.signal=11
expect attach --verdict leak --finding process.fds./dev/null --note 'attached to pid' \
  --note 'needs launch mode'
if kill -0 "$attached" 2>/dev/null; then
  echo "ok   attach left the target running"; kill "$attached"
else
  echo "FAIL attach: the attached target was stopped"; failures=$((failures + 1))
fi
expect tree-wrapper --verdict leak --finding process.anon_bytes \
  --finding-text 'process.anon_bytes=grew most in `watch_target`'
expect tree-children --verdict leak --finding process.processes.sleep --finding process.processes
expect tree-zombies --verdict leak --finding process.processes.zombie:python# --no-finding process.anon_bytes
expect tree-prefork --verdict bounded --no-findings
# The daemon's parent exits at once: the daemon is watched, not "bounded".
expect tree-daemon --verdict leak --finding process.anon_bytes --note 'daemonized' \
  --note 'left its process group' --param target.exit_status=0
if command -v node >/dev/null; then
  expect node-memory --verdict leak --finding process.anon_bytes
  expect node-bounded --verdict bounded --no-findings
fi
if pgrep -f "process_tree.py daemon-leak" >/dev/null; then
  echo "FAIL tree-daemon: the daemon was left running"; failures=$((failures + 1))
fi
expect stdio --verdict bounded
if [ "$(wc -l <"$OUT/stdio.stdout")" != 1 ] || ! grep -q target-says-hi "$OUT/stdio.stderr"; then
  echo "FAIL stdio: plateau's stdout: $(head -c 200 "$OUT/stdio.stdout")"; failures=$((failures + 1))
fi
expect sigint --verdict incomplete --note 'interrupted by SIGINT'
sigint_pid=$(python3 -c "import json;print(int(json.load(open('$OUT/sigint/report.json'))['scenario']['parameters']['watch.pid']))")
if kill -0 "$sigint_pid" 2>/dev/null; then
  echo "FAIL sigint: target $sigint_pid still running"; failures=$((failures + 1))
fi

echo "watch_test: $failures failure(s)"
[ $failures -eq 0 ]
