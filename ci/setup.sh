#!/usr/bin/env bash
# Installs every Debian package plateau needs to build, test and profile.
# Idempotent; quiet on success; run as root (CI and fresh machines are).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libjemalloc-dev libjemalloc2            # PLATEAU_ALLOCATOR=jemalloc, prof.dump heap profiles, jeprof
  libgoogle-perftools-dev google-perftools # PLATEAU_ALLOCATOR=tcmalloc, heap samples, google-pprof
  libboost-test-dev                        # Boost.Test suites
  libbenchmark-dev                         # plateau_bench
  nlohmann-json3-dev                       # scenarios and report.json
  libsqlite3-dev                           # the plan store
  libcli11-dev                             # the plateau command line
  binutils                                 # addr2line/objdump, for jeprof and google-pprof on the raw dumps
  graphviz                                 # dot, for `jeprof --svg` / `google-pprof --svg` (docs/ci.md)
  libdw-dev                                # elfutils libdw: in-process file:line (and inlined calls) of heap sites
  libunwind-dev                            # unw_backtrace for jemalloc's sampled backtraces (3x less CPU than its libgcc unwinder on the nightly; probes/jemalloc_backtrace_hook.h)
  clang libclang-rt-14-dev                 # libFuzzer targets (preset fuzz, ci/test.sh fuzz stage)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
