#include "soak/compare/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace plateau::soak {

namespace {

std::string derived_label(const reports::Report& report) {
  std::string scenario = report.context.scenario_name.empty() ? "report" : report.context.scenario_name;
  std::string allocator = report.context.allocator.empty() ? "unknown" : report.context.allocator;
  return scenario + "/" + allocator;
}

// The last `depth` folder names above a report.json, e.g. "gate-clean/run".
std::string folder_of(const std::filesystem::path& report_path, int depth) {
  std::string folder;
  std::filesystem::path dir = report_path.parent_path();
  for (int i = 0; i < depth && !dir.filename().empty(); ++i, dir = dir.parent_path()) {
    folder = folder.empty() ? dir.filename().string() : dir.filename().string() + "/" + folder;
  }
  return folder;
}

std::vector<std::string> unique_labels(const std::vector<ShardInput>& shards) {
  std::vector<std::string> labels(shards.size());
  std::map<std::string, int> derived_count;
  for (const ShardInput& shard : shards) {
    if (shard.label.empty()) ++derived_count[derived_label(shard.report)];
  }
  // Shards of one scenario and allocator (seeds, canary runs) are told apart
  // by their folder, which CI names after the shard; by two folders when one
  // is not enough (ci/gate.sh names every run folder "run").
  for (int depth = 1; depth <= 2; ++depth) {
    std::map<std::string, int> count;
    for (std::size_t i = 0; i < shards.size(); ++i) {
      const ShardInput& shard = shards[i];
      labels[i] = shard.label;
      if (labels[i].empty()) {
        labels[i] = derived_label(shard.report);
        const std::string folder = folder_of(shard.report_path, depth);
        if (derived_count[labels[i]] > 1 && !folder.empty()) labels[i] += "/" + folder;
      }
      ++count[labels[i]];
    }
    if (std::all_of(count.begin(), count.end(), [](const auto& entry) { return entry.second == 1; }))
      return labels;
  }
  std::map<std::string, int> seen;
  for (std::string& label : labels) {
    const int n = ++seen[label];
    if (n > 1) label += "#" + std::to_string(n);
  }
  return labels;
}

// "a" when every shard agrees, else "mixed: a, b".
std::string agreed(const std::vector<ShardInput>& shards, std::string reports::Context::*field) {
  std::vector<std::string> values;
  for (const ShardInput& shard : shards) {
    const std::string& v = shard.report.context.*field;
    if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  }
  if (values.size() == 1) return values.front();
  std::string joined = "mixed: ";
  for (std::size_t i = 0; i < values.size(); ++i) joined += (i ? ", " : "") + values[i];
  return joined;
}

std::string joined_unique(const std::vector<ShardInput>& shards, std::string reports::Context::*field) {
  std::vector<std::string> values;
  for (const ShardInput& shard : shards) {
    const std::string& v = shard.report.context.*field;
    if (!v.empty() && std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  }
  std::string joined;
  for (std::size_t i = 0; i < values.size(); ++i) joined += (i ? "," : "") + values[i];
  return joined;
}

reports::Context merged_context(const std::vector<ShardInput>& shards) {
  reports::Context c = shards.front().report.context;
  c.host = agreed(shards, &reports::Context::host);
  c.os = agreed(shards, &reports::Context::os);
  c.kernel = agreed(shards, &reports::Context::kernel);
  c.compiler = agreed(shards, &reports::Context::compiler);
  c.build_type = agreed(shards, &reports::Context::build_type);
  c.git_revision = agreed(shards, &reports::Context::git_revision);
  c.plateau_version = agreed(shards, &reports::Context::plateau_version);
  c.clock_mode = agreed(shards, &reports::Context::clock_mode);
  c.allocator = joined_unique(shards, &reports::Context::allocator);
  c.scenario_name = "merge of " + std::to_string(shards.size()) +
                    " shards: " + joined_unique(shards, &reports::Context::scenario_name);
  c.scenario_path = joined_unique(shards, &reports::Context::scenario_path);
  c.seed = 0;
  // A merge is not one run: no single command repeats it (each shard's own
  // report keeps its command); dirty only when every shard agrees.
  c.reproduce_command.clear();
  for (const ShardInput& shard : shards) {
    if (shard.report.context.git_dirty != c.git_dirty) c.git_dirty.reset();
  }
  c.wall_duration_s = 0;
  c.events_processed = 0;
  std::set<std::string> failpoints;
  for (const ShardInput& shard : shards) {
    const reports::Context& s = shard.report.context;
    // ISO 8601 UTC strings of one format order as text: the earliest start.
    if (!s.start_time.empty() && (c.start_time.empty() || s.start_time < c.start_time))
      c.start_time = s.start_time;
    c.wall_duration_s = std::max(c.wall_duration_s, s.wall_duration_s);  // shards run side by side
    c.events_processed += s.events_processed;
    failpoints.insert(s.failpoints_on.begin(), s.failpoints_on.end());
  }
  c.events_per_s = 0;
  for (const ShardInput& shard : shards) c.events_per_s += shard.report.context.events_per_s;
  c.failpoints_on.assign(failpoints.begin(), failpoints.end());
  return c;
}

reports::ShardSummary summary_of(const ShardInput& shard, const std::string& label) {
  reports::ShardSummary s;
  s.label = label;
  s.report_path = shard.report_path.string();
  s.scenario_name = shard.report.context.scenario_name;
  s.allocator = shard.report.context.allocator;
  s.seed = shard.report.context.seed;
  s.verdict = shard.report.verdict;
  s.findings = shard.report.findings.size();
  s.wall_duration_s = shard.report.context.wall_duration_s;
  return s;
}

void append_shard(reports::Report& out, const ShardInput& shard, const std::string& label) {
  const reports::Report& r = shard.report;
  const std::string prefix = label + ":";
  std::set<std::string> named;
  for (const reports::Finding& f : r.findings) {
    reports::Finding copy = f;
    copy.series = prefix + f.series;
    copy.message = "[" + label + "] " + f.message;
    out.findings.push_back(std::move(copy));
    named.insert(f.series);
  }
  for (const reports::Series& s : r.series) {
    // Series with a finding keep their samples (the merged report charts
    // them); every other judged series is kept without samples, so the
    // merged JUnit lists it as a passing testcase and the report stays small.
    if (!named.contains(s.name) && !s.judged) continue;
    reports::Series copy = s;
    copy.name = prefix + s.name;
    if (!named.contains(s.name)) {
      copy.samples.clear();
      copy.window_minima.clear();
    }
    out.series.push_back(std::move(copy));
  }
  if (r.canary_matrix) {
    if (!out.canary_matrix) out.canary_matrix.emplace();
    for (const reports::CanaryResult& c : r.canary_matrix->canaries) {
      reports::CanaryResult copy = c;
      copy.failpoint = prefix + c.failpoint;
      out.canary_matrix->canaries.push_back(std::move(copy));
    }
    out.canary_matrix->clean_runs.insert(out.canary_matrix->clean_runs.end(),
                                         r.canary_matrix->clean_runs.begin(),
                                         r.canary_matrix->clean_runs.end());
  }
  if (r.comparison) {
    if (!out.comparison) out.comparison.emplace();
    for (const reports::ComparisonRow& row : r.comparison->rows) {
      reports::ComparisonRow copy = row;
      copy.series = prefix + row.series;
      out.comparison->rows.push_back(std::move(copy));
    }
  }
  const reports::HeapProfile& h = r.heap_profile;
  out.heap_profile.dump_files.insert(out.heap_profile.dump_files.end(), h.dump_files.begin(),
                                     h.dump_files.end());
  out.heap_profile.open_commands.insert(out.heap_profile.open_commands.end(), h.open_commands.begin(),
                                        h.open_commands.end());
  for (const reports::HeapSite& site : h.top_sites) {
    reports::HeapSite copy = site;
    copy.our_frame = "[" + label + "] " + site.our_frame;
    out.heap_profile.top_sites.push_back(std::move(copy));
  }
}

std::string comparison_labels(const std::vector<ShardInput>& shards,
                              std::string reports::Comparison::*field) {
  std::string joined;
  for (const ShardInput& shard : shards) {
    if (!shard.report.comparison) continue;
    const std::string& v = *shard.report.comparison.*field;
    if (joined.find(v) == std::string::npos) joined += (joined.empty() ? "" : ", ") + v;
  }
  return joined;
}

}  // namespace

int verdict_severity(reports::Verdict verdict) noexcept {
  switch (verdict) {
    case reports::Verdict::bounded:
      return 0;
    case reports::Verdict::inconclusive:  // proved nothing, but nothing went wrong either
      return 1;
    case reports::Verdict::incomplete:
      return 2;
    case reports::Verdict::leak:
      return 3;
    case reports::Verdict::error:
      return 4;
  }
  return 4;
}

reports::Report merge_reports(const std::vector<ShardInput>& shards) {
  if (shards.empty()) throw std::invalid_argument("merge: no shard reports given; need at least one");
  const std::vector<std::string> labels = unique_labels(shards);

  reports::Report out;
  out.context = merged_context(shards);
  // Charts shade one warm-up; shards of one nightly share their scenario's.
  out.scenario = shards.front().report.scenario;
  out.heap_profile.backend = shards.front().report.heap_profile.backend;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const reports::Report& r = shards[i].report;
    if (verdict_severity(r.verdict) > verdict_severity(out.verdict)) out.verdict = r.verdict;
    if (r.heap_profile.backend != out.heap_profile.backend)
      out.heap_profile.backend = reports::HeapBackend::none;
    if (r.incomplete) {
      out.incomplete = true;
      out.incomplete_reason +=
          (out.incomplete_reason.empty() ? "" : "; ") + labels[i] + ": " + r.incomplete_reason;
    }
    if (r.verdict == reports::Verdict::inconclusive) {
      out.inconclusive_reason +=
          (out.inconclusive_reason.empty() ? "" : "; ") + labels[i] + ": " + r.inconclusive_reason;
      if (r.minimum_conclusive_duration_s) {
        out.minimum_conclusive_duration_s =
            std::max(out.minimum_conclusive_duration_s.value_or(0), *r.minimum_conclusive_duration_s);
      }
    }
    if (!r.error_message.empty()) {
      out.error_message += (out.error_message.empty() ? "" : "; ") + labels[i] + ": " + r.error_message;
    }
    append_shard(out, shards[i], labels[i]);
    out.shards.push_back(summary_of(shards[i], labels[i]));
  }
  std::stable_sort(
      out.heap_profile.top_sites.begin(), out.heap_profile.top_sites.end(),
      [](const reports::HeapSite& a, const reports::HeapSite& b) { return a.bytes_added > b.bytes_added; });
  out.heap_profile.reason =
      "merged report: each shard's heap profile and diff are in its own report (see shards)";
  if (out.comparison) {
    out.comparison->base_report = comparison_labels(shards, &reports::Comparison::base_report);
    out.comparison->candidate_report = comparison_labels(shards, &reports::Comparison::candidate_report);
  }
  return out;
}

std::vector<std::filesystem::path> find_shard_reports(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (fs::is_regular_file(dir)) return {dir};
  if (fs::is_regular_file(dir / "report.json")) return {dir / "report.json"};
  std::vector<fs::path> found;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory() && fs::is_regular_file(entry.path() / "report.json")) {
      found.push_back(entry.path() / "report.json");
    }
  }
  if (ec) throw std::invalid_argument("merge: " + dir.string() + ": cannot be read: " + ec.message());
  if (found.empty()) {
    throw std::invalid_argument("merge: " + dir.string() +
                                ": holds no report.json, neither directly nor one folder down");
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace plateau::soak
