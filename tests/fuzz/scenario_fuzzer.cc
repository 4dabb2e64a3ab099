// libFuzzer target: the scenario parser (parse_scenario), fed raw bytes.
// Seed corpus: tests/fuzz/corpus/scenario; run by ci/test.sh (fuzz stage).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  plateau::fuzz::scenario_input(data, size);
  return 0;
}
