// summary.md writer: short enough for a CI job summary (GitHub's limit is
// 1 MiB; we aim for a screenful), so every table is capped and says how many
// rows it left out.
#include <sstream>

#include "reports/text.h"
#include "reports/writers.h"

namespace plateau::reports {
namespace {

std::string verdict_badge(Verdict verdict) {
  switch (verdict) {
    case Verdict::bounded: return "✅ bounded";
    case Verdict::leak: return "❌ leak";
    case Verdict::incomplete: return "⚠️ incomplete";
    case Verdict::error: return "⚠️ error";
    case Verdict::inconclusive: return "⚠️ inconclusive";
  }
  return "unknown";
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

void left_out(std::ostringstream& out, std::size_t total, std::size_t shown, const char* what) {
  if (total > shown) out << "\n_… and " << (total - shown) << " more " << what << " (see report.html)._\n";
}

void write_findings(std::ostringstream& out, const Report& report, const MarkdownLimits& limits) {
  out << "\n### Findings\n\n";
  if (report.findings.empty()) {
    out << (report.series.empty() ? "No findings in this report.\n" : "None: every judged series stayed bounded.\n");
    return;
  }
  out << "| kind | component | series | detected at | message |\n|---|---|---|---|---|\n";
  std::size_t shown = std::min(report.findings.size(), limits.max_findings);
  for (std::size_t i = 0; i < shown; ++i) {
    const Finding& f = report.findings[i];
    out << "| " << to_string(f.kind) << " | " << markdown_cell(f.component) << " | " << markdown_code_cell(f.series)
        << " | " << format_optional_duration(f.time_to_detect_s) << " | " << markdown_cell(f.message) << " |\n";
  }
  left_out(out, report.findings.size(), shown, "findings");
}

void write_canaries(std::ostringstream& out, const CanaryMatrix& matrix, const MarkdownLimits& limits) {
  out << "\n### Canary matrix\n\n";
  std::size_t detected = 0;
  for (const CanaryResult& c : matrix.canaries) detected += c.detected ? 1 : 0;
  std::size_t clean_bounded = 0;
  for (const CleanRun& run : matrix.clean_runs) clean_bounded += run.verdict == Verdict::bounded ? 1 : 0;
  out << "**" << detected << "/" << matrix.canaries.size() << "** canaries detected; **" << clean_bounded << "/"
      << matrix.clean_runs.size() << "** clean runs bounded.\n\n";
  if (!matrix.canaries.empty()) {
    out << "| failpoint | seed | expected | detected | fired | time to detect | heap site in component |\n"
           "|---|---|---|---|---|---|---|\n";
    std::size_t shown = std::min(matrix.canaries.size(), limits.max_canaries);
    for (std::size_t i = 0; i < shown; ++i) {
      const CanaryResult& c = matrix.canaries[i];
      out << "| " << markdown_code_cell(c.failpoint) << " | " << c.seed << " | " << markdown_cell(c.expected_component)
          << " | " << (c.detected ? "✅ yes" : "❌ no") << " | "
          << markdown_cell(c.components_fired.empty() && c.signals_fired.empty()
                               ? std::string("none")
                               : join(c.components_fired, ", ") + " — " + join(c.signals_fired, ", "))
          << " | " << format_optional_duration(c.time_to_detect_s) << " | " << to_string(c.heap_site_in_component)
          << " |\n";
    }
    left_out(out, matrix.canaries.size(), shown, "canaries");
  }
  std::vector<std::string> false_positives;
  for (const CleanRun& run : matrix.clean_runs) {
    if (run.verdict != Verdict::bounded) {
      false_positives.push_back((run.fixture.empty() ? "" : "must-not-fire " + run.fixture + ", ") + "seed " +
                                std::to_string(run.seed) + ": " + std::string(to_string(run.verdict)));
    }
  }
  if (!false_positives.empty()) out << "\nClean runs not bounded: " << markdown_cell(join(false_positives, "; ")) << "\n";
}

// Sites ranked by judged growth between the first and last measured dump
// (the runner ranked them); a cache churning at its capacity shows as
// bounded with ~0 growth, whatever it holds.
void write_site_ranking(std::ostringstream& out, const HeapProfile& heap, const MarkdownLimits& limits) {
  out << "\n### Heap sites by growth (" << to_string(heap.backend) << ")\n\n";
  out << "| site | file:line | component | judged | growth/h | trough to trough | peak live |\n"
         "|---|---|---|---|---:|---:|---:|\n";
  std::size_t shown = 0;
  std::size_t listed = 0;
  for (const HeapSiteTimeline& site : heap.sites) {
    if (site.classification == "instrumentation") continue;
    ++listed;
    if (shown >= limits.max_heap_sites) continue;
    ++shown;
    const std::string location = site.line > 0 ? site.file + ":" + std::to_string(site.line) : site.file;
    out << "| " << markdown_code_cell(site.function) << " | " << markdown_code_cell(location) << " | "
        << markdown_cell(site.component.empty() ? "-" : site.component) << " | "
        << markdown_cell(site.classification == "bounded" ? "bounded (churn)" : site.classification) << " | "
        << format_bytes(site.bytes_per_hour) << " | " << format_bytes(site.growth_bytes) << " | "
        << format_bytes(site.peak_bytes) << " |\n";
  }
  left_out(out, listed, shown, "sites");
  if (heap.instrumentation_bytes_added > 0) {
    out << "\nplateau's own sites (ledger, recorder, harness) grew by "
        << format_bytes(static_cast<double>(heap.instrumentation_bytes_added)) << " and are not judged.\n";
  }
}

void write_heap_sites(std::ostringstream& out, const HeapProfile& heap, const MarkdownLimits& limits) {
  if (heap.backend == HeapBackend::none) {
    out << "\n### Heap profile\n\nNone" << (heap.reason.empty() ? "" : ": " + markdown_cell(heap.reason)) << ".\n";
    return;
  }
  if (!heap.sites.empty()) {
    write_site_ranking(out, heap, limits);
    return;
  }
  out << "\n### Top heap sites (" << to_string(heap.backend) << ")\n\n";
  if (heap.top_sites.empty()) {
    out << "No allocation site grew between the dumps.\n";
    return;
  }
  out << "| bytes added | objects added | our frame |\n|---:|---:|---|\n";
  std::size_t shown = std::min(heap.top_sites.size(), limits.max_heap_sites);
  for (std::size_t i = 0; i < shown; ++i) {
    const HeapSite& site = heap.top_sites[i];
    out << "| " << format_bytes(static_cast<double>(site.bytes_added)) << " | " << site.objects_added << " | "
        << markdown_code_cell(site.our_frame) << " |\n";
  }
  left_out(out, heap.top_sites.size(), shown, "sites");
  if (heap.instrumentation_bytes_added > 0) {
    out << "\nplateau's own sites (ledger, recorder, harness) grew by "
        << format_bytes(static_cast<double>(heap.instrumentation_bytes_added)) << " and are not listed.\n";
  }
}

void write_comparison(std::ostringstream& out, const Comparison& comparison, const MarkdownLimits& limits) {
  out << "\n### Comparison\n\n" << markdown_code_cell(comparison.base_report) << " → "
      << markdown_code_cell(comparison.candidate_report) << "\n\n";
  out << "| series | base slope/h | candidate slope/h | base peak | candidate peak | regressed | note |\n"
         "|---|---:|---:|---:|---:|---|---|\n";
  std::size_t shown = std::min(comparison.rows.size(), limits.max_comparison_rows);
  for (std::size_t i = 0; i < shown; ++i) {
    const ComparisonRow& r = comparison.rows[i];
    out << "| " << markdown_code_cell(r.series) << " | " << format_human(r.base_slope_per_s * 3600, "") << " | "
        << format_human(r.candidate_slope_per_s * 3600, "") << " | " << format_human(r.base_peak, "") << " | "
        << format_human(r.candidate_peak, "") << " | " << (r.regressed ? "❌ yes" : "no") << " | "
        << markdown_cell(r.message) << " |\n";
  }
  left_out(out, comparison.rows.size(), shown, "rows");
}

void write_shards(std::ostringstream& out, const std::vector<ShardSummary>& shards) {
  out << "\n### Shards\n\n| shard | seed | verdict | findings | wall |\n|---|---:|---|---:|---:|\n";
  for (const ShardSummary& s : shards) {
    out << "| " << markdown_cell(s.label) << " | " << s.seed << " | " << verdict_badge(s.verdict) << " | "
        << s.findings << " | " << format_duration(s.wall_duration_s) << " |\n";
  }
}

}  // namespace

std::string render_markdown_summary(const Report& report, const MarkdownLimits& limits) {
  const Context& c = report.context;
  std::ostringstream out;
  out << "## plateau: " << verdict_badge(report.verdict) << " — " << markdown_cell(c.scenario_name) << " ("
      << seed_text(report) << ")\n\n";
  std::size_t judged = 0;
  for (const Series& s : report.series) judged += s.judged ? 1 : 0;
  out << "**Verdict: " << to_string(report.verdict) << "** · " << report.findings.size() << " finding"
      << (report.findings.size() == 1 ? "" : "s") << " · " << judged << " judged series · "
      << virtual_span_text(report) << " in " << format_duration(c.wall_duration_s) << " wall\n";
  if (report.incomplete) {
    out << "\n> ⚠️ Incomplete: " << markdown_cell(report.incomplete_reason.empty() ? "interrupted" : report.incomplete_reason)
        << "\n";
  }
  if (report.verdict == Verdict::inconclusive) {
    out << "\n> ⚠️ Inconclusive: "
        << markdown_cell(report.inconclusive_reason.empty() ? "some series could not be trend-judged"
                                                            : report.inconclusive_reason);
    if (report.minimum_conclusive_duration_s) {
      out << " Minimum conclusive duration: " << format_duration(*report.minimum_conclusive_duration_s) << ".";
    }
    out << "\n";
  }
  if (report.verdict == Verdict::error && !report.error_message.empty()) {
    out << "\n> ⚠️ Error: " << markdown_cell(report.error_message) << "\n";
  }
  if (!c.reproduce_command.empty()) out << "\nReproduce: " << markdown_code_cell(c.reproduce_command) << "\n";
  for (const std::string& note : report.notes) out << "\n> ℹ️ " << markdown_cell(note) << "\n";
  if (!report.shards.empty()) write_shards(out, report.shards);
  write_findings(out, report, limits);
  if (report.canary_matrix) write_canaries(out, *report.canary_matrix, limits);
  write_heap_sites(out, report.heap_profile, limits);
  if (report.comparison) write_comparison(out, *report.comparison, limits);

  out << "\n<sub>" << markdown_cell(c.host) << " · " << markdown_cell(c.os) << " " << markdown_cell(c.kernel) << " · "
      << markdown_cell(c.compiler) << " · " << markdown_cell(c.build_type) << " · " << markdown_cell(c.allocator)
      << " · git " << markdown_cell(c.git_revision)
      << (c.git_dirty && *c.git_dirty ? " (dirty)" : "") << " · plateau " << markdown_cell(c.plateau_version) << " · "
      << markdown_cell(c.scenario_path) << " · clock " << markdown_cell(c.clock_mode) << " · started "
      << markdown_cell(c.start_time) << " · " << c.events_processed << " events ("
      << format_human(c.events_per_s, "") << "/s) · failpoints: "
      << markdown_cell(c.failpoints_on.empty() ? std::string("none") : join(c.failpoints_on, ", ")) << "</sub>\n";
  return out.str();
}

}  // namespace plateau::reports
