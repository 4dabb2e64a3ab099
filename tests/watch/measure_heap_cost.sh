#!/bin/bash
# Measures what `plateau watch --heap jemalloc` costs a target: alloc_heavy
# run back to back, alternating, under glibc malloc, jemalloc preloaded
# without profiling, and jemalloc with the MALLOC_CONF plateau sets by
# default (lg_prof_sample:19, lg_prof_interval:30; override with LG_SAMPLE /
# LG_INTERVAL). Prints the median CPU seconds of
# each and the ratios. With UNWIND_SO=path/to/libplateau_jemalloc_unwind.so,
# a fourth run per round preloads the libunwind backtrace shim after
# jemalloc, as `plateau watch` does (the three others are then "before"). Usage: measure_heap_cost.sh ALLOC_HEAVY [ROUNDS] [ITERATIONS] [touch]
# (touch: alloc_heavy writes every block it allocates; see alloc_heavy.cc).
set -eu
BIN=$1; ROUNDS=${2:-5}; N=${3:-5000000}; MODE=${4:-}
JE=${PLATEAU_JEMALLOC_SO:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
PROF="prof:true,prof_active:true,lg_prof_sample:${LG_SAMPLE:-19},prof_accum:false,lg_prof_interval:${LG_INTERVAL:-30},prof_prefix:$DIR/jeprof"
for _ in $(seq "$ROUNDS"); do
  "$BIN" "$N" $MODE >>"$DIR/glibc"
  LD_PRELOAD=$JE "$BIN" "$N" $MODE >>"$DIR/jemalloc"
  LD_PRELOAD=$JE MALLOC_CONF=$PROF "$BIN" "$N" $MODE >>"$DIR/jemalloc_prof"
  if [ -n "${UNWIND_SO:-}" ]; then
    LD_PRELOAD=$JE:$UNWIND_SO MALLOC_CONF=$PROF "$BIN" "$N" $MODE >>"$DIR/jemalloc_prof_unwind"
  fi
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
g=$(median "$DIR/glibc"); j=$(median "$DIR/jemalloc"); p=$(median "$DIR/jemalloc_prof")
echo "median s: glibc $g  jemalloc $j  jemalloc+prof $p  (rounds $ROUNDS, iterations $N ${MODE:-no-touch})"
echo "dumps written: $(ls "$DIR" | grep -c '\.heap$' || true)"
awk -v g="$g" -v j="$j" -v p="$p" 'BEGIN {printf "ratio prof/jemalloc %.3f  prof/glibc %.3f\n", p/j, p/g}'
if [ -n "${UNWIND_SO:-}" ]; then
  u=$(median "$DIR/jemalloc_prof_unwind")
  echo "median s: jemalloc+prof+libunwind shim $u"
  awk -v g="$g" -v j="$j" -v u="$u" -v p="$p" \
    'BEGIN {printf "ratio prof+shim/jemalloc %.3f  prof+shim/glibc %.3f  prof+shim/prof %.3f\n", u/j, u/g, u/p}'
fi
