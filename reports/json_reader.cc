// report.json reading: strict about the schema version and required
// fields, every error naming its JSON path.
#include "reports/json.h"
#include "reports/limited_json.h"

namespace plateau::reports {
namespace {

// The writer's type; key order does not matter for reading.
using json = nlohmann::ordered_json;

// A JSON value together with its path, so every error names where it is.
class Node {
 public:
  Node(const json& value, std::string path) : value_(value), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& rule) const {
    // A preview, never a recursive dump of a value read from the file.
    const std::string shown = preview_json(value_, 77);
    throw ReportFormatError("report.json: " + path_ + " = " + shown + ": " + rule);
  }

  Node field(const char* name) const {
    if (!value_.is_object()) fail("expected an object");
    auto it = value_.find(name);
    if (it == value_.end()) {
      throw ReportFormatError("report.json: " + path_ + "." + name + " is missing (required field)");
    }
    return Node(*it, path_ + "." + name);
  }
  bool has(const char* name) const { return value_.is_object() && value_.contains(name); }

  std::string string() const {
    if (!value_.is_string()) fail("expected a string");
    return value_.get<std::string>();
  }
  double real() const {
    if (!value_.is_number()) fail("expected a number");
    return value_.get<double>();
  }
  std::optional<double> optional_real() const {
    if (value_.is_null()) return std::nullopt;
    return real();
  }
  std::uint64_t unsigned_integer() const {
    if (!value_.is_number_unsigned()) fail("expected a non-negative integer");
    return value_.get<std::uint64_t>();
  }
  std::int64_t integer() const {
    if (!value_.is_number_integer()) fail("expected an integer");
    return value_.get<std::int64_t>();
  }
  bool boolean() const {
    if (!value_.is_boolean()) fail("expected true or false");
    return value_.get<bool>();
  }
  std::vector<Node> elements() const {
    if (!value_.is_array()) fail("expected an array");
    std::vector<Node> out;
    for (std::size_t i = 0; i < value_.size(); ++i) out.emplace_back(value_[i], path_ + "[" + std::to_string(i) + "]");
    return out;
  }
  std::vector<std::string> strings() const {
    std::vector<std::string> out;
    for (const Node& element : elements()) out.push_back(element.string());
    return out;
  }
  std::vector<Point> points() const {
    std::vector<Point> out;
    for (const Node& element : elements()) {
      std::vector<Node> pair = element.elements();
      if (pair.size() != 2) element.fail("expected a [t_s, value] pair");
      out.push_back({pair[0].real(), pair[1].real()});
    }
    return out;
  }
  std::map<std::string, double> figures() const {
    if (!value_.is_object()) fail("expected an object of name: number");
    std::map<std::string, double> out;
    for (const auto& [name, value] : value_.items()) out[name] = Node(value, path_ + "." + name).real();
    return out;
  }
  template <typename Enum>
  Enum enumeration(std::optional<Enum> (*parse)(std::string_view), const char* allowed) const {
    std::optional<Enum> parsed = parse(string());
    if (!parsed) fail(std::string("expected one of ") + allowed);
    return *parsed;
  }
  bool is_null() const { return value_.is_null(); }

 private:
  const json& value_;
  std::string path_;
};

constexpr const char* kVerdictNames = "bounded, leak, incomplete, error, inconclusive";

Context read_context(const Node& n) {
  Context c;
  c.host = n.field("host").string();
  c.os = n.field("os").string();
  c.kernel = n.field("kernel").string();
  c.compiler = n.field("compiler").string();
  c.build_type = n.field("build_type").string();
  c.allocator = n.field("allocator").string();
  c.git_revision = n.field("git_revision").string();
  c.plateau_version = n.field("plateau_version").string();
  c.scenario_name = n.field("scenario_name").string();
  c.scenario_path = n.field("scenario_path").string();
  c.seed = n.field("seed").unsigned_integer();
  c.clock_mode = n.field("clock_mode").string();
  c.start_time = n.field("start_time").string();
  c.wall_duration_s = n.field("wall_duration_s").real();
  c.events_processed = n.field("events_processed").unsigned_integer();
  c.events_per_s = n.field("events_per_s").real();
  c.failpoints_on = n.field("failpoints_on").strings();
  // Added after plateau.report/1 first shipped: optional, so older reports still read.
  if (n.has("git_dirty") && !n.field("git_dirty").is_null()) c.git_dirty = n.field("git_dirty").boolean();
  if (n.has("reproduce_command")) c.reproduce_command = n.field("reproduce_command").string();
  return c;
}

ScenarioSummary read_scenario(const Node& n) {
  ScenarioSummary s;
  s.duration_s = n.field("duration_s").real();
  s.warmup_s = n.field("warmup_s").real();
  s.sample_interval_s = n.field("sample_interval_s").real();
  s.window_s = n.field("window_s").real();
  s.audit_interval_s = n.field("audit_interval_s").real();
  s.parameters = n.field("parameters").figures();
  return s;
}

Series read_series(const Node& n) {
  Series s;
  s.name = n.field("name").string();
  s.unit = n.field("unit").string();
  s.component = n.field("component").string();
  s.family = n.field("family").string();
  s.declared_bound = n.field("declared_bound").optional_real();
  s.samples = n.field("samples").points();
  s.window_minima = n.field("window_minima").points();
  Node trend = n.field("trend");
  if (!trend.is_null()) s.trend = TrendLine{trend.field("intercept").real(), trend.field("slope_per_s").real()};
  s.judged = n.field("judged").boolean();
  s.verdict = n.field("verdict").enumeration(parse_verdict, kVerdictNames);
  if (n.has("margin")) s.margin = n.field("margin").optional_real();  // absent before margins were reported
  if (n.has("load") && !n.field("load").is_null()) {  // absent before loads were read
    Node load = n.field("load");
    s.load = LoadReading{load.field("arrivals").string(), load.field("margin").optional_real(),
                         load.field("growth_follows_load").boolean()};
  }
  return s;
}

Finding read_finding(const Node& n) {
  Finding f;
  f.series = n.field("series").string();
  f.component = n.field("component").string();
  f.kind = n.field("kind").enumeration(parse_finding_kind, "bound, invariant, residue, trend, site");
  f.message = n.field("message").string();
  f.figures = n.field("figures").figures();
  f.time_to_detect_s = n.field("time_to_detect_s").optional_real();
  for (const Node& r : n.field("residue_examples").elements()) {
    f.residue_examples.push_back({r.field("container").string(), r.field("key").string(),
                                  r.field("entity_kind").string(), r.field("terminal_t_s").real(),
                                  r.field("age_s").real()});
  }
  // Optional: reports written before per-site findings read as none.
  if (n.has("sites")) {
    for (const Node& s : n.field("sites").elements()) {
      f.sites.push_back({s.field("site_id").string(), s.field("function").string(), s.field("file").string(),
                         static_cast<std::uint32_t>(s.field("line").unsigned_integer()),
                         s.field("component").string(), s.field("bytes_per_hour").real(),
                         s.field("share").real()});
    }
  }
  if (n.has("stack")) f.stack = n.field("stack").strings();
  return f;
}

HeapProfile read_heap(const Node& n) {
  HeapProfile h;
  h.backend = n.field("backend").enumeration(parse_heap_backend, "jemalloc, tcmalloc, none");
  h.reason = n.field("reason").string();
  h.dump_files = n.field("dump_files").strings();
  h.open_commands = n.field("open_commands").strings();
  h.diff_base = n.field("diff_base").string();
  h.diff_target = n.field("diff_target").string();
  for (const Node& site : n.field("top_sites").elements()) {
    h.top_sites.push_back({site.field("bytes_added").integer(), site.field("objects_added").integer(),
                           site.field("our_frame").string(), site.field("stack").strings()});
  }
  // Optional: reports written before it existed read as 0.
  if (n.has("instrumentation_bytes_added")) {
    h.instrumentation_bytes_added = n.field("instrumentation_bytes_added").integer();
  }
  // Optional: reports written before heap timelines read as none.
  if (n.has("sites")) {
    for (const Node& t : n.field("sites").elements()) {
      HeapSiteTimeline site;
      site.id = t.field("id").string();
      site.function = t.field("function").string();
      site.function_full = t.field("function_full").string();
      site.file = t.field("file").string();
      site.line = static_cast<std::uint32_t>(t.field("line").unsigned_integer());
      site.component = t.field("component").string();
      site.classification = t.field("classification").string();
      site.peak_bytes = t.field("peak_bytes").real();
      site.growth_bytes = t.field("growth_bytes").real();
      site.bytes_per_hour = t.field("bytes_per_hour").real();
      site.projected_growth_bytes = t.field("projected_growth_bytes").real();
      site.live_bytes = t.field("live_bytes").points();
      site.live_objects = t.field("live_objects").points();
      site.stack = t.field("stack").strings();
      h.sites.push_back(std::move(site));
    }
  }
  return h;
}

CanaryMatrix read_canaries(const Node& n) {
  CanaryMatrix m;
  for (const Node& c : n.field("canaries").elements()) {
    CanaryResult r;
    r.failpoint = c.field("failpoint").string();
    r.seed = c.field("seed").unsigned_integer();
    r.expected_component = c.field("expected_component").string();
    r.detected = c.field("detected").boolean();
    r.components_fired = c.field("components_fired").strings();
    r.signals_fired = c.field("signals_fired").strings();
    r.time_to_detect_s = c.field("time_to_detect_s").optional_real();
    r.heap_site_in_component = c.field("heap_site_in_component").enumeration(parse_heap_site_match, "yes, no, n/a");
    m.canaries.push_back(std::move(r));
  }
  for (const Node& run : n.field("clean_runs").elements()) {
    m.clean_runs.push_back(
        {run.field("seed").unsigned_integer(), run.field("verdict").enumeration(parse_verdict, kVerdictNames)});
    if (run.has("fixture")) m.clean_runs.back().fixture = run.field("fixture").string();
    // Absent in reports written before clean margins were reported.
    if (run.has("max_margin")) m.clean_runs.back().max_margin = run.field("max_margin").optional_real();
    if (run.has("max_margin_series"))
      m.clean_runs.back().max_margin_series = run.field("max_margin_series").string();
  }
  return m;
}

Comparison read_comparison(const Node& n) {
  Comparison c;
  c.base_report = n.field("base_report").string();
  c.candidate_report = n.field("candidate_report").string();
  for (const Node& r : n.field("rows").elements()) {
    c.rows.push_back({r.field("series").string(), r.field("base_slope_per_s").real(),
                      r.field("candidate_slope_per_s").real(), r.field("base_peak").real(),
                      r.field("candidate_peak").real(), r.field("regressed").boolean(),
                      r.field("message").string()});
  }
  return c;
}

ShardSummary read_shard(const Node& n) {
  ShardSummary s;
  s.label = n.field("label").string();
  s.report_path = n.field("report_path").string();
  s.scenario_name = n.field("scenario_name").string();
  s.allocator = n.field("allocator").string();
  s.seed = n.field("seed").unsigned_integer();
  s.verdict = n.field("verdict").enumeration(parse_verdict, kVerdictNames);
  s.findings = n.field("findings").unsigned_integer();
  s.wall_duration_s = n.field("wall_duration_s").real();
  return s;
}

}  // namespace

Report from_json(const nlohmann::ordered_json& document) {
  Node root(document, "$");
  if (!document.is_object()) root.fail("a report must be a JSON object");
  if (!root.has("schema")) {
    throw ReportFormatError("report.json: $.schema is missing; this reader understands only \"" +
                            std::string(kSchemaVersion) + "\"");
  }
  Node schema = root.field("schema");
  if (!document["schema"].is_string() || schema.string() != kSchemaVersion) {
    schema.fail("unknown report schema; this reader understands only \"" + std::string(kSchemaVersion) + "\"");
  }
  Report report;
  report.schema = std::string(kSchemaVersion);
  report.verdict = root.field("verdict").enumeration(parse_verdict, kVerdictNames);
  report.incomplete = root.field("incomplete").boolean();
  report.incomplete_reason = root.field("incomplete_reason").string();
  report.error_message = root.field("error_message").string();
  report.context = read_context(root.field("context"));
  report.scenario = read_scenario(root.field("scenario"));
  for (const Node& f : root.field("findings").elements()) report.findings.push_back(read_finding(f));
  for (const Node& s : root.field("series").elements()) report.series.push_back(read_series(s));
  report.heap_profile = read_heap(root.field("heap_profile"));
  if (Node m = root.field("canary_matrix"); !m.is_null()) report.canary_matrix = read_canaries(m);
  if (Node c = root.field("comparison"); !c.is_null()) report.comparison = read_comparison(c);
  for (const Node& shard : root.field("shards").elements()) report.shards.push_back(read_shard(shard));
  // Added with the inconclusive verdict; reports written before it lack them.
  if (root.has("inconclusive_reason")) report.inconclusive_reason = root.field("inconclusive_reason").string();
  if (root.has("minimum_conclusive_duration_s")) {
    report.minimum_conclusive_duration_s = root.field("minimum_conclusive_duration_s").optional_real();
  }
  if (root.has("notes")) {
    for (const Node& note : root.field("notes").elements()) report.notes.push_back(note.string());
  }
  return report;
}

Report parse_report(std::string_view text) {
  json document;
  try {
    // Size, depth, duplicate keys, NUL and out-of-range numbers are refused here.
    document = parse_limited_ordered_json(text, kReportJsonLimits, JsonPathStyle::dollar);
  } catch (const JsonInputError& error) {
    const bool syntax = error.rule().starts_with("is not valid JSON");
    throw ReportFormatError(std::string("report.json") + (syntax ? " is not valid JSON: at " : ": ") +
                            (error.path().empty() ? "" : error.path() + ": ") +
                            (syntax ? error.rule().substr(std::string_view("is not valid JSON: ").size())
                                    : error.rule()));
  }
  return from_json(document);
}

Report read_report_file(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_limited_file(path, kReportJsonLimits);
  } catch (const JsonInputError& error) {
    throw ReportFormatError("cannot open report " + path.string() + ": " + error.rule());
  }
  try {
    return parse_report(text);
  } catch (const ReportFormatError& error) {
    throw ReportFormatError(path.string() + ": " + error.what());
  }
}

}  // namespace plateau::reports
