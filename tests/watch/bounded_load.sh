#!/bin/sh
# watch test fixture: a shell "service" whose memory, threads and fds stay
# flat (a loop of short-lived children). Usage: bounded_load.sh [SECONDS]
end=$(( $(date +%s) + ${1:-3600} ))
while [ "$(date +%s)" -lt "$end" ]; do
  echo tick > /dev/null
  sleep 0.2
done
