#!/bin/bash
# Measures what `plateau watch --heap jemalloc` costs a real program, not an
# allocation loop: CMD run back to back, alternating, with jemalloc preloaded
# without profiling, with the MALLOC_CONF plateau sets by default
# (lg_prof_sample:19, lg_prof_interval:30; LG_SAMPLE / LG_INTERVAL override),
# and with that plus the libunwind backtrace shim plateau preloads after
# jemalloc (UNWIND_SO, default build/default/lib/libplateau_jemalloc_unwind.so).
# Prints the median user+system CPU seconds of each and the ratios.
# measure_heap_cost.sh is the same for the alloc_heavy loop (the worst case).
#   measure_heap_cost_cmd.sh ROUNDS CMD [ARGS...]
set -eu
ROUNDS=$1; shift
JE=${PLATEAU_JEMALLOC_SO:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
UNWIND_SO=${UNWIND_SO:-build/default/lib/libplateau_jemalloc_unwind.so}
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
PROF="prof:true,prof_active:true,lg_prof_sample:${LG_SAMPLE:-19},prof_accum:false,lg_prof_interval:${LG_INTERVAL:-30},prof_prefix:$DIR/jeprof"
cpu() {  # cpu OUTFILE ENV... -- appends the command's user+system seconds
  local out=$1; shift
  env "$@" /usr/bin/time -f "%U %S" -o "$DIR/t" "${CMD[@]}" >/dev/null 2>&1
  awk '{print $1 + $2}' "$DIR/t" >>"$out"
}
CMD=("$@")
for _ in $(seq "$ROUNDS"); do
  cpu "$DIR/jemalloc" LD_PRELOAD="$JE"
  cpu "$DIR/prof" LD_PRELOAD="$JE" MALLOC_CONF="$PROF"
  cpu "$DIR/prof_shim" LD_PRELOAD="$JE:$UNWIND_SO" MALLOC_CONF="$PROF"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
j=$(median "$DIR/jemalloc"); p=$(median "$DIR/prof"); u=$(median "$DIR/prof_shim")
echo "median CPU s over $ROUNDS rounds: jemalloc $j  +profiling $p  +profiling+shim $u"
echo "CPU s per round, with profiling: $(tr '\n' ' ' <"$DIR/prof")"
echo "dumps written: $(ls "$DIR" | grep -c '\.heap$' || true)"
awk -v j="$j" -v p="$p" -v u="$u" 'BEGIN {printf "ratio profiling/jemalloc %.3f  profiling+shim/jemalloc %.3f\n", p/j, u/j}'
