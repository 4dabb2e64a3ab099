// The bodies of the libFuzzer targets, shared with the regression test that
// replays the corpora under the normal build (fuzz_regression_test.cc).
//
// Each feeds one input to a reader and returns normally when the reader
// accepted it or refused it the documented way (ScenarioError,
// ReportFormatError). Any other exception, a crash or a sanitizer report is
// a finding: the target aborts so libFuzzer keeps the input.
//
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>

namespace plateau::fuzz {

// Returns true when the scenario was accepted, false when refused.
bool scenario_input(const std::uint8_t* data, std::size_t size);
// Returns true when the report was accepted, false when refused.
bool report_input(const std::uint8_t* data, std::size_t size);

}  // namespace plateau::fuzz
