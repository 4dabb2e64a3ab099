#!/usr/bin/env bash
# The test command: set up, configure, build and test plateau.
#
#   ci/test.sh            everything CI runs (see the stages below)
#   ci/test.sh --quick    only the default build and its tests
#
# Stages: the `default` preset (jemalloc, RelWithDebInfo) builds everything and
# runs every ctest label (unit, concurrency, integration, canary); the unit
# tests again under `asan` (AddressSanitizer + UBSan); the concurrency tests
# under `tsan` (ThreadSanitizer); the probe tests under the `tcmalloc` and
# `system` allocator builds; the installed package with the example service
# of examples/ built against it; the libFuzzer targets (preset `fuzz`, clang)
# for PLATEAU_FUZZ_SECONDS each (default 45) from tests/fuzz/corpus. Exits
# non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
jobs=$(nproc 2>/dev/null || echo 2)

stage() { printf '\n==== %s (at %ds) ====\n' "$*" "$SECONDS"; }

stage "setup"
ci/setup.sh

build() {  # build <preset> [targets...]
  local preset=$1; shift
  cmake --preset "$preset" >/dev/null
  if (($#)); then
    cmake --build --preset "$preset" -j "$jobs" --target "$@"
  else
    cmake --build --preset "$preset" -j "$jobs"
  fi
}

stage "default (jemalloc): build and all tests"
build default
ctest --preset default -j "$jobs"

if ((quick)); then exit 0; fi

stage "package: install, build examples/session_service against it, soak it clean, leaking, leaking undeclared"
# docs/embedding.md's steps, as written: a separate project finds the
# installed package (find_package), never the source tree.
prefix=$(mktemp -d /tmp/plateau-prefix.XXXXXX)
cmake --install build/default --prefix "$prefix" >/dev/null
cmake -S examples/session_service -B "$prefix/example-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/example-build"
"$prefix/example-build/session_soak" --out "$prefix/clean"
rc=0; "$prefix/example-build/session_soak" --out "$prefix/leak" --failpoint sessions.keep_on_logout || rc=$?
if ((rc != 1)); then echo "session_soak with its leak on: exit $rc, expected 1"; exit 1; fi
# A leak in a container the service never declared: seen in the process's RSS.
rc=0; "$prefix/example-build/session_soak" --out "$prefix/undeclared" --failpoint sessions.keep_request_log || rc=$?
if ((rc != 1)) || ! grep -q '"series": *"process.rss_bytes"' "$prefix/undeclared/report.json"; then
  echo "session_soak with its undeclared access log: exit $rc, expected 1 with a process.rss_bytes finding"; exit 1
fi
ci/try_embedding_doc.sh "$prefix"
rm -rf "$prefix"

stage "asan: unit tests under AddressSanitizer + UBSan"
build asan tests_unit
ctest --preset asan -j "$jobs"

stage "tsan: concurrency tests under ThreadSanitizer"
build tsan tests_concurrency
ctest --preset tsan -j "$jobs"

stage "thread-safety: the libraries under clang's -Wthread-safety (GUARDED_BY/REQUIRES checked, errors)"
# cmake/PlateauWarnings.cmake turns the analysis on, as errors, for clang.
build fuzz plateau_engine plateau_probes plateau_harness

stage "fuzz: libFuzzer on the scenario parser and the report reader"
# Bounded time per target; the seeds in the tree, new inputs in build/fuzz.
# A finding exits non-zero and leaves its input in build/fuzz/artifacts/.
build fuzz scenario_fuzzer report_fuzzer
mkdir -p build/fuzz/artifacts
for target in scenario report; do
  mkdir -p "build/fuzz/corpus/$target"
  "build/fuzz/bin/${target}_fuzzer" -max_total_time="${PLATEAU_FUZZ_SECONDS:-45}" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/ \
    "build/fuzz/corpus/$target" "tests/fuzz/corpus/$target"
done

for preset in tcmalloc system; do
  stage "$preset: probe tests"
  build "$preset" tests_probes
  ctest --preset "$preset" -L probes -j "$jobs"
done

stage "all stages passed"
