// The report model: plain records describing one soak run (or one canary
// matrix, or one comparison), filled by the soak runner and read by writers.
//
// Nothing here computes. The runner decides every verdict, slope, time to
// detect and heap-diff ranking before it fills these structs; writers only
// format what they find (the Google Benchmark split between runner and
// reporter). Keeping the model free of engine, probe and harness types is what
// lets `plateau report DIR` re-render every format from report.json alone.
//
// Thread safety: plain values with no internal synchronisation; share a Report
// between threads only for reading.
//
// Invariants the writers rely on (the JSON writer refuses to write a report
// that breaks the first one): every double is finite; times are virtual
// seconds since the start of the run (t_s), never wall-clock instants, except
// Context::start_time (ISO 8601 UTC) and Context::wall_duration_s. An absent
// figure is std::nullopt, never a sentinel such as -1 or NaN.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::reports {

// The one place the file-format version lives. A reader refuses any other.
inline constexpr std::string_view kSchemaVersion = "plateau.report/1";

// bounded: every judged series stayed bounded; leak: at least one finding;
// incomplete: the run was interrupted before the measured phase ended;
// error: the run could not be judged (for example a probe failed);
// inconclusive: the run finished without findings but some series could not
// be trend-judged (too few windows after warm-up), so "bounded" would claim
// what nobody checked. A finding wins over inconclusive.
enum class Verdict { bounded, leak, incomplete, error, inconclusive };

// bound: a declared bound was exceeded; invariant: a counter that must stay
// zero did not; residue: a container still holds an entity past its grace
// period; trend: significant upward trend of the window minima; site: an
// allocation site's live bytes trend up (its SiteShare and stack say where).
enum class FindingKind { bound, invariant, residue, trend, site };

enum class HeapBackend { jemalloc, tcmalloc, none };

// Whether a top heap-diff site lies in the canary's expected component;
// not_applicable when the bug does not allocate or no profile was taken.
enum class HeapSiteMatch { yes, no, not_applicable };

std::string_view to_string(Verdict verdict);
std::string_view to_string(FindingKind kind);
std::string_view to_string(HeapBackend backend);
std::string_view to_string(HeapSiteMatch match);
// The parse functions return nullopt for an unknown name; callers name the field.
std::optional<Verdict> parse_verdict(std::string_view text);
std::optional<FindingKind> parse_finding_kind(std::string_view text);
std::optional<HeapBackend> parse_heap_backend(std::string_view text);
std::optional<HeapSiteMatch> parse_heap_site_match(std::string_view text);

// Where and how the run happened, so a report explains itself.
struct Context {
  std::string host;
  std::string os;             // e.g. "Debian GNU/Linux 12"
  std::string kernel;         // uname release, e.g. "6.1.0-18-amd64"
  std::string compiler;       // e.g. "GNU 12.2.0"
  std::string build_type;     // CMAKE_BUILD_TYPE
  std::string allocator;      // jemalloc | tcmalloc | system
  std::string git_revision;
  std::string plateau_version;
  std::string scenario_name;
  std::string scenario_path;
  std::uint64_t seed = 0;
  std::string clock_mode;     // sim | wall
  std::string start_time;     // ISO 8601 UTC wall-clock start, e.g. "2026-11-22T01:00:00Z"
  double wall_duration_s = 0;
  std::uint64_t events_processed = 0;
  double events_per_s = 0;
  std::vector<std::string> failpoints_on;
  // Whether the checkout had uncommitted changes when the binary was built
  // (baked in at build time with git_revision); nullopt when unknown.
  std::optional<bool> git_dirty;
  // The exact command that repeats this run (scenario, seed, failpoints,
  // clock and duration overrides), e.g.
  // "plateau run soak/scenarios/gate.json --seed 7 --failpoint plans.leak_execution_locks".
  // Empty for reports that are not one run (merges, comparisons).
  std::string reproduce_command;
  friend bool operator==(const Context&, const Context&) = default;
};

// The scenario as run (after --duration / --seed overrides).
struct ScenarioSummary {
  double duration_s = 0;        // virtual
  double warmup_s = 0;          // virtual; not judged, shaded in charts
  double sample_interval_s = 0;
  double window_s = 0;          // length of one window whose minimum feeds the trend
  double audit_interval_s = 0;
  // Any further figures worth showing (rates, tolerances), by name, e.g.
  // "rate.price_ticks_per_s" or "tolerance.relative_growth".
  std::map<std::string, double> parameters;
  friend bool operator==(const ScenarioSummary&, const ScenarioSummary&) = default;
};

struct Point {
  double t_s = 0;  // virtual seconds since the start of the run
  double value = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

// value(t_s) = intercept + slope_per_s * t_s, as fitted by Theil–Sen.
struct TrendLine {
  double intercept = 0;
  double slope_per_s = 0;
  friend bool operator==(const TrendLine&, const TrendLine&) = default;
};

// The trend read per unit of load, for a series whose owner counts the
// arrivals that drive it (soak/verdict/verdict.h SeriesAnalysis).
struct LoadReading {
  std::string arrivals;           // the health.* series counting arrivals
  std::optional<double> margin;   // that reading's margin
  bool growth_follows_load = false;  // the raw trend fired, per unit of load it did not
  friend bool operator==(const LoadReading&, const LoadReading&) = default;
};

struct Series {
  std::string name;       // e.g. "inventory.plans.execution_locks.entries"
  std::string unit;       // e.g. "entries", "bytes", "count"
  std::string component;  // engine component, e.g. "plans"; "process" / "allocator" otherwise
  std::string family;     // inventory | alloc | process | invariant
  std::optional<double> declared_bound;
  std::vector<Point> samples;
  std::vector<Point> window_minima;
  std::optional<TrendLine> trend;
  bool judged = false;  // false: recorded for context only (e.g. during a warm-up-only run)
  Verdict verdict = Verdict::bounded;
  // Projected growth / the tolerance that applies, when the trend was judged
  // (under 1: within tolerance; see soak/verdict/verdict.h SeriesAnalysis::margin).
  std::optional<double> margin;
  std::optional<LoadReading> load;  // set when the trend was also read per unit of load
  friend bool operator==(const Series&, const Series&) = default;
};

// One entity a container still held after its grace period.
struct ResidueExample {
  std::string container;    // e.g. "execution_locks"
  std::string key;          // e.g. "plan-000123"
  std::string entity_kind;  // plan | position | order | exit_intent | transaction | symbol | ...
  double terminal_t_s = 0;  // virtual time the entity reached its terminal state
  double age_s = 0;         // time since then, at the audit that found it
  friend bool operator==(const ResidueExample&, const ResidueExample&) = default;
};

// One allocation site's part in a finding: for a whole-process finding
// (alloc.*, process.rss_bytes) the sites that account for most of its
// growth; for a finding of kind site, the site itself (share 1).
struct SiteShare {
  std::string site_id;   // HeapSiteTimeline::id, the anchor in the heap section
  std::string function;  // short name for people, e.g. "engine::OrderRouter::submit"
  std::string file;      // repository-relative, e.g. "engine/exec/order_router.cc"; "" if unknown
  std::uint32_t line = 0;
  std::string component;      // engine component from the file, "" when not engine code
  double bytes_per_hour = 0;  // the site's judged growth rate (Theil–Sen on window minima)
  double share = 0;           // bytes_per_hour / the finding's slope_per_hour
  friend bool operator==(const SiteShare&, const SiteShare&) = default;
};

struct Finding {
  std::string series;
  std::string component;
  FindingKind kind = FindingKind::trend;
  std::string message;  // one sentence a person acts on
  // Figures behind the finding, by name: "slope_per_hour", "p_value",
  // "projected_growth", "bound", "peak", "count", ...
  std::map<std::string, double> figures;
  std::optional<double> time_to_detect_s;  // earliest virtual time the finding would have fired
  std::vector<ResidueExample> residue_examples;  // kind == residue only
  std::vector<SiteShare> sites;                  // largest share first; see SiteShare
  std::vector<std::string> stack;                // kind == site: the site's stack, innermost first
  friend bool operator==(const Finding&, const Finding&) = default;
};

// One allocation site that grew between two heap dumps.
struct HeapSite {
  std::int64_t bytes_added = 0;
  std::int64_t objects_added = 0;
  std::string our_frame;           // first frame in plateau's own code, demangled
  std::vector<std::string> stack;  // full symbolised stack, innermost first
  friend bool operator==(const HeapSite&, const HeapSite&) = default;
};

// One allocation site's timeline over the measured phase: live bytes and
// objects at every heap dump (every verdict-window boundary), the judged
// growth and its classification. A site is the first project frame of its
// stacks (function, file:line).
struct HeapSiteTimeline {
  std::string id;             // stable within a report: "file:line function"
  std::string function;       // short name for people
  std::string function_full;  // demangled, full
  std::string file;           // repository-relative when in the project
  std::uint32_t line = 0;
  std::string component;  // engine component from the file, "" otherwise
  // growing | bounded | shrinking | below_floor | too_few_windows |
  // instrumentation (plateau's own code, not judged) | third_party (no
  // project frame, not judged)
  std::string classification;
  double peak_bytes = 0;
  double growth_bytes = 0;            // last window minimum - first (trough to trough)
  double bytes_per_hour = 0;          // Theil–Sen slope of the window minima
  double projected_growth_bytes = 0;  // over the scenario's horizon
  std::vector<Point> live_bytes;      // one point per dump (t_s, bytes)
  std::vector<Point> live_objects;    // one point per dump (t_s, objects)
  std::vector<std::string> stack;     // the site's largest stack, innermost first
  friend bool operator==(const HeapSiteTimeline&, const HeapSiteTimeline&) = default;
};

struct HeapProfile {
  HeapBackend backend = HeapBackend::none;
  std::string reason;                      // why backend is none (e.g. "system allocator build")
  std::vector<std::string> dump_files;     // paths as written, in checkpoint order
  std::vector<std::string> open_commands;  // e.g. "jeprof --text bin/plateau a.heap"
  std::string diff_base;                   // the two dumps the diff compares
  std::string diff_target;
  std::vector<HeapSite> top_sites;         // largest bytes_added first
  // Growth of plateau's own sites (ledger, recorder, harness), kept out of top_sites.
  std::int64_t instrumentation_bytes_added = 0;
  // Per-site timelines, ranked: growing sites first (largest bytes_per_hour),
  // then by judged growth (trough to trough); a bounded cache churning at
  // its capacity ranks by its ~0 growth, not by what it holds.
  std::vector<HeapSiteTimeline> sites;
  friend bool operator==(const HeapProfile&, const HeapProfile&) = default;
};

struct CanaryResult {
  std::string failpoint;
  std::uint64_t seed = 0;
  std::string expected_component;
  bool detected = false;  // the run failed and named expected_component
  std::vector<std::string> components_fired;
  std::vector<std::string> signals_fired;  // finding kinds or series that fired
  std::optional<double> time_to_detect_s;
  HeapSiteMatch heap_site_in_component = HeapSiteMatch::not_applicable;
  friend bool operator==(const CanaryResult&, const CanaryResult&) = default;
};

struct CleanRun {
  std::uint64_t seed = 0;
  Verdict verdict = Verdict::bounded;
  // The largest Series::margin of the run and the series it belongs to
  // (how close clean code came to a trend finding).
  std::optional<double> max_margin;
  std::string max_margin_series;
  // Empty for a clean seed; else the must-not-fire fixture the run carried
  // (e.g. "engine.step_block@3h30m"): it too must stay bounded.
  std::string fixture;
  friend bool operator==(const CleanRun&, const CleanRun&) = default;
};

struct CanaryMatrix {
  std::vector<CanaryResult> canaries;
  std::vector<CleanRun> clean_runs;
  friend bool operator==(const CanaryMatrix&, const CanaryMatrix&) = default;
};

// One row of `plateau compare BASE CANDIDATE`.
struct ComparisonRow {
  std::string series;
  double base_slope_per_s = 0;
  double candidate_slope_per_s = 0;
  double base_peak = 0;
  double candidate_peak = 0;
  bool regressed = false;
  std::string message;
  friend bool operator==(const ComparisonRow&, const ComparisonRow&) = default;
};

struct Comparison {
  std::string base_report;       // path or label of the base report
  std::string candidate_report;
  std::vector<ComparisonRow> rows;
  friend bool operator==(const Comparison&, const Comparison&) = default;
};

// One input of `plateau merge`: which run it was and how it ended. The
// merged report carries the shards' findings and series (named by the
// merger) and lists the shards here so each stays traceable to its file.
struct ShardSummary {
  std::string label;        // e.g. "nightly/jemalloc"
  std::string report_path;  // the shard's own report.json
  std::string scenario_name;
  std::string allocator;
  std::uint64_t seed = 0;
  Verdict verdict = Verdict::bounded;
  std::uint64_t findings = 0;
  double wall_duration_s = 0;
  friend bool operator==(const ShardSummary&, const ShardSummary&) = default;
};

struct Report {
  std::string schema{kSchemaVersion};
  Verdict verdict = Verdict::bounded;
  bool incomplete = false;
  std::string incomplete_reason;  // e.g. "interrupted by SIGINT at t=5400s"
  std::string error_message;      // set when verdict == error
  Context context;
  ScenarioSummary scenario;
  std::vector<Series> series;
  std::vector<Finding> findings;
  HeapProfile heap_profile;
  std::optional<CanaryMatrix> canary_matrix;
  std::optional<Comparison> comparison;
  std::vector<ShardSummary> shards;  // empty unless this report is a merge
  // Set when verdict == inconclusive: why (which series, how many windows
  // were seen and needed) and the shortest run that would be conclusive.
  std::string inconclusive_reason;
  std::optional<double> minimum_conclusive_duration_s;
  // Plain-sentence facts a reader needs that have no field of their own,
  // e.g. how a watched process ended ("target exited with status 3 at
  // t=12s; series judged up to then"). Empty for most reports.
  std::vector<std::string> notes;
  friend bool operator==(const Report&, const Report&) = default;
};

}  // namespace plateau::reports
