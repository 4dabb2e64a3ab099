// Internal to the HTML writer (reports/html_writer.cc): the sections and
// helpers that turn model values into what a person reads first — plain
// names for statistics, stacks as readable lists, growth of a series over
// the measured phase, and the "memory at a glance" charts — plus the chart
// palette both files draw with.
//
// Thread safety: pure functions writing to the caller's stream.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/frames.h"
#include "reports/model.h"
#include "reports/writers.h"

namespace plateau::reports::html {

inline constexpr const char* kSampleColour = "#1f5fbf";
inline constexpr const char* kMinimaColour = "#e07b00";
inline constexpr const char* kTrendColour = "#b3261e";
inline constexpr const char* kBoundColour = "#6a1b9a";
inline constexpr const char* kWarmupColour = "#ececec";

// A finding figure's plain name and its value in human units, e.g.
// ("growth per hour (window minima)", "61.6 KiB/h"); unknown names fall back
// to the raw name with spaces.
std::pair<std::string, std::string> plain_figure(const std::string& name, double value, const std::string& unit);
// "Keeps growing", "Over its declared bound", ...
const char* plain_kind(FindingKind kind);

// file:line when the frame text has one, else the module's file name.
std::string where_of(const FrameText& frame);
// A stack as <ol>: our frames first and highlighted, others after them,
// allocator/runtime frames folded into one line.
void write_stack_list(std::ostringstream& out, const std::vector<std::string>& stack);

// Growth over the measured phase (after the warm-up), from the first to the
// last window minimum when there are two, else first to last sample.
struct Growth {
  double absolute = 0;
  double per_hour = 0;
  double relative = 0;  // absolute / |first|; from nothing to something ranks first
};
Growth growth_of(const Series& series, double warmup_s);

// Small charts of process RSS, allocated bytes and the three largest
// containers (inventory series in bytes, by their last sample).
void write_glance(std::ostringstream& out, const Report& report, const HtmlOptions& options);

}  // namespace plateau::reports::html
