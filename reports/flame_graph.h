// A growth flame graph (icicle: the outermost caller on top, allocation
// sites at the bottom) as one self-contained inline SVG, plus the tiny
// inline search script report.html embeds once.
//
// Input is plain: a list of stacks (frame texts, outermost first) with the
// bytes each grew, so the same function draws a heap diff, a per-finding
// site list or a per-site timeline. Frames are merged by their full text at
// each depth; a box's width is its share of the total growth. Each box
// carries its full name in a <title> (hover) and, lower-cased, in a
// data-n attribute the search script matches; the label is the short name
// (reports/frames.h), cut to fit. Nothing is fetched: no external
// references, no fonts. Output is deterministic (children ordered by bytes,
// then name).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "reports/model.h"

namespace plateau::reports {

struct FlameStack {
  std::vector<std::string> frames;  // outermost first
  double bytes = 0;                 // growth; stacks with bytes <= 0 are ignored
};

struct FlameGraphStyle {
  int width_px = 1060;
  int row_px = 18;
  int max_depth = 40;           // deeper frames are cut (the box says so in its title)
  double min_box_px = 0.5;      // narrower boxes are not drawn
  std::string root_label = "all growth";
};

// The <svg class="flame"> element; empty string when no stack grew.
std::string render_flame_graph(const std::vector<FlameStack>& stacks, const FlameGraphStyle& style = {});

// The heap diff's sites as flame stacks: outermost first, allocator and
// runtime frames folded away (they would be the same wide box in every
// stack and push the code that matters out of view).
std::vector<FlameStack> flame_stacks_from(const HeapProfile& heap);

// The search box markup and the inline script that highlights matching
// boxes in every flame graph of the page and shows their share of growth.
// No network access; safe to include once per page.
std::string flame_search_box();
std::string flame_search_script();

}  // namespace plateau::reports
