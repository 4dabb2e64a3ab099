#!/bin/sh
# watch test fixture: a wrapper that runs the service as a child, not with
# exec (a start script): plateau watch must judge the child's resources.
# Usage: run_child.sh CMD [ARGS...]
"$@" &
child=$!
trap 'kill $child 2>/dev/null' TERM INT
wait $child
