// The report writers: one per output format, each a pure function from the
// report model to text, plus a write_* wrapper that stores that text
// atomically at a path.
//
// Writers never compute: every verdict, slope, time to detect and ranking is
// already in the model. The render_* functions are deterministic (same report,
// same bytes), which is what the golden-file tests hold them to. write_* throw
// std::system_error (I/O) or std::invalid_argument (unwritable report, e.g. a
// non-finite number) and leave any existing file at the path untouched.
//
// Thread safety: free functions over values; safe to call concurrently.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "reports/model.h"

namespace plateau::reports {

// File names inside a report directory.
inline constexpr const char* kJsonFileName = "report.json";
inline constexpr const char* kJunitFileName = "junit.xml";
inline constexpr const char* kHtmlFileName = "report.html";
inline constexpr const char* kMarkdownFileName = "summary.md";

// JUnit XML: one <testsuite> for the report; one <testcase> per judged series
// (classname = component), per invariant/residue finding whose series is not a
// judged series, per canary and clean run, and per comparison row. Failing
// cases carry <failure message="..."> with the finding's message. An
// incomplete or error report adds one failing "run" testcase with the reason.
std::string render_junit_xml(const Report& report);

// Markdown for a CI job summary: verdict, a shard table for a merge,
// findings table, canary matrix, top heap sites, comparison, one context
// line. Tables are capped (see MarkdownLimits) so the summary stays short.
struct MarkdownLimits {
  std::size_t max_findings = 20;
  std::size_t max_heap_sites = 5;
  std::size_t max_canaries = 40;
  std::size_t max_comparison_rows = 20;
};
std::string render_markdown_summary(const Report& report, const MarkdownLimits& limits = {});

// Self-contained HTML (inline CSS and SVG, no scripts, no network).
struct HtmlOptions {
  // Series with more samples are downsampled (min/max per bucket, so peaks
  // survive) to about this many points per chart.
  std::size_t max_chart_points = 600;
  std::size_t max_residue_examples = 20;  // per finding
  std::size_t max_heap_sites = 20;
};
std::string render_html_report(const Report& report, const HtmlOptions& options = {});

void write_json_report(const Report& report, const std::filesystem::path& path);
void write_junit_xml(const Report& report, const std::filesystem::path& path);
void write_html_report(const Report& report, const std::filesystem::path& path);
void write_markdown_summary(const Report& report, const std::filesystem::path& path);

// Writes report.json, junit.xml, report.html and summary.md into dir (created
// if missing) and returns their paths in that order. Every format is rendered
// before the first file is written, so a report one writer refuses leaves the
// directory unchanged. Same commit rule as write_report_set.
std::vector<std::filesystem::path> write_all(const Report& report, const std::filesystem::path& dir);

// A file that belongs to the report set (e.g. series.csv).
struct ExtraFile {
  std::string name;     // file name inside the report folder
  std::string content;
};

// The report set as one unit. report.json is its commit record: an old
// report.json is removed first, then junit.xml, report.html, summary.md and
// every extra are written (each atomically), and report.json last. A reader
// that finds report.json therefore finds the rest of the same set beside it,
// and a run killed (or failing, e.g. disk full) part-way leaves no
// report.json at all, never a complete-looking report beside stale or
// missing files. Returns the paths: the four formats in write_all's order,
// then the extras. Throws like write_all; on a throw report.json is absent.
std::vector<std::filesystem::path> write_report_set(const Report& report, const std::filesystem::path& dir,
                                                    const std::vector<ExtraFile>& extras);

}  // namespace plateau::reports
