#!/usr/bin/env bash
# Follows docs/embedding.md as written: its CMakeLists.txt and my_soak.cc
# blocks in an empty folder, built against an installed plateau, soaked
# clean (exit 0), with its failpoint on (exit 1) and too short to judge
# (exit 5).
# Usage: ci/try_embedding_doc.sh PREFIX
set -euo pipefail
prefix=$1
doc="$(cd "$(dirname "$0")/.." && pwd)/docs/embedding.md"
dir=$(mktemp -d /tmp/plateau-embedding.XXXXXX)
cd "$dir"
python3 - "$doc" <<'PY'
import re, sys
blocks = re.findall(r"```(\w+)\n(.*?)```", open(sys.argv[1]).read(), re.S)
open("CMakeLists.txt", "w").write([b for lang, b in blocks if lang == "cmake"][0])
open("my_soak.cc", "w").write([b for lang, b in blocks if lang == "cpp"][0])
PY
cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build build
./build/my_soak
rc=0; ./build/my_soak --failpoint cache.never_evict || rc=$?
short=0; ./build/my_soak --duration 3600 || short=$?
cd / && rm -rf "$dir"
if ((rc != 1)); then echo "docs/embedding.md: my_soak with cache.never_evict: exit $rc, expected 1"; exit 1; fi
if ((short != 5)); then echo "docs/embedding.md: my_soak --duration 3600: exit $short, expected 5 (inconclusive)"; exit 1; fi
echo "docs/embedding.md followed as written: exit 0 clean, exit 1 with its leak, exit 5 too short"
