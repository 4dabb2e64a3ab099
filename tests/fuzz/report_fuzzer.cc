// libFuzzer target: the report.json reader (parse_report) used by `report`,
// `compare` and `merge`, fed raw bytes.
// Seed corpus: tests/fuzz/corpus/report; run by ci/test.sh (fuzz stage).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  plateau::fuzz::report_input(data, size);
  return 0;
}
