// The compare, merge and report subcommands: option parsing and file I/O
// around compare.h and merge.h. Unreadable reports become
// std::invalid_argument (exit code 2 in main) naming the file and the reason.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reports/json.h"
#include "reports/writers.h"
#include "soak/compare/compare.h"
#include "soak/compare/merge.h"
#include "soak/compare/subcommand.h"

namespace plateau::soak {

namespace {

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kIncomplete = 3;  // as `plateau run`: a shard was interrupted
constexpr int kRunError = 4;    // a shard could not be judged
constexpr int kInconclusive = 5;  // as `plateau run` (soak/runner/run_request.h)

reports::Report read_or_refuse(const std::filesystem::path& path) {
  try {
    return reports::read_report_file(path);
  } catch (const reports::ReportFormatError& e) {
    throw std::invalid_argument(e.what());
  }
}

void print_written(const std::vector<std::filesystem::path>& files) {
  for (const auto& f : files) std::cout << f.string() << "\n";
}

struct CompareArgs {
  std::string base;
  std::string candidate;
  std::optional<std::string> out;
  CompareTolerances tolerances;
  std::optional<double> absolute_default;
  std::vector<std::string> absolute_overrides;  // PREFIX=VALUE
  std::vector<std::string> unit_overrides;      // UNIT=VALUE
};

std::pair<std::string, double> parse_assignment(const std::string& text, const std::string& option) {
  const auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw std::invalid_argument(option + " " + text + ": expected NAME=VALUE, e.g. alloc.=8388608");
  }
  try {
    std::size_t used = 0;
    const double value = std::stod(text.substr(eq + 1), &used);
    if (used != text.size() - eq - 1) throw std::invalid_argument("trailing text");
    return {text.substr(0, eq), value};
  } catch (const std::exception&) {
    throw std::invalid_argument(option + " " + text + ": the value after '=' must be a number");
  }
}

int run_compare(const CompareArgs& args) {
  CompareTolerances tolerances = args.tolerances;
  if (args.absolute_default) tolerances.absolute_default = *args.absolute_default;
  for (const std::string& a : args.absolute_overrides) {
    auto [prefix, value] = parse_assignment(a, "--absolute");
    tolerances.absolute_by_prefix[prefix] = value;
  }
  for (const std::string& a : args.unit_overrides) {
    auto [unit, value] = parse_assignment(a, "--absolute-unit");
    tolerances.absolute_by_unit[unit] = value;
  }
  const reports::Report base = read_or_refuse(args.base);
  const reports::Report candidate = read_or_refuse(args.candidate);
  if (base.context.scenario_name != candidate.context.scenario_name) {
    std::cerr << "plateau compare: warning: the reports are of different scenarios ("
              << base.context.scenario_name << " vs " << candidate.context.scenario_name
              << "); their peaks and slopes are not comparable\n";
  }
  const reports::Comparison comparison =
      compare_reports(base, candidate, tolerances, args.base, args.candidate);
  const reports::Report report = comparison_report(candidate, comparison);
  if (args.out) {
    print_written(reports::write_all(report, *args.out));
  } else {
    std::cout << reports::render_markdown_summary(report);
  }
  std::size_t regressed = 0;
  for (const auto& row : comparison.rows) regressed += row.regressed ? 1 : 0;
  std::cerr << "plateau compare: " << comparison.rows.size() << " series compared, " << regressed
            << " regressed\n";
  return any_regressed(comparison) ? kFail : kPass;
}

// True when `inner` is `outer` or lies inside it (both made absolute and
// normalised, symlinks resolved where they exist).
bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const auto a = std::filesystem::weakly_canonical(std::filesystem::absolute(inner));
  const auto b = std::filesystem::weakly_canonical(std::filesystem::absolute(outer));
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // a trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

int exit_code_for(reports::Verdict verdict) {
  switch (verdict) {
    case reports::Verdict::bounded:
      return kPass;
    case reports::Verdict::incomplete:
      return kIncomplete;
    case reports::Verdict::error:
      return kRunError;
    case reports::Verdict::inconclusive:
      return kInconclusive;
    default:
      return kFail;
  }
}

int run_merge(const std::vector<std::string>& dirs, const std::string& out) {
  if (out.empty()) throw std::invalid_argument("merge --out '': must name a folder");
  // An output inside an input would be read back as a shard by the next
  // merge of that input (and may overwrite a shard's own report).
  for (const std::string& dir : dirs) {
    if (is_within(out, dir)) {
      throw std::invalid_argument("merge --out '" + out + "': lies inside the input '" + dir +
                                  "'; the merged report would become one of its shards. Choose a folder "
                                  "outside every input");
    }
  }
  std::vector<ShardInput> shards;
  std::set<std::filesystem::path> seen;
  for (const std::string& dir : dirs) {
    for (const std::filesystem::path& path : find_shard_reports(dir)) {
      // The same report reached twice (a folder given twice, or once
      // directly and once through its parent) counts once.
      if (!seen.insert(std::filesystem::weakly_canonical(std::filesystem::absolute(path))).second) {
        std::cerr << "plateau merge: " << path.string() << " given more than once; counted once\n";
        continue;
      }
      reports::Report report = read_or_refuse(path);
      const std::filesystem::path given(dir);
      const bool found_below = path != given && path != given / reports::kJsonFileName;
      if (found_below && !report.shards.empty()) {
        // An earlier merge's output sitting beside the shards: folding it in
        // would count every shard twice.
        std::cerr << "plateau merge: skipping " << path.string() << ": it is itself a merged report\n";
        continue;
      }
      shards.push_back(ShardInput{"", path, std::move(report)});
    }
  }
  const reports::Report merged = merge_reports(shards);
  print_written(reports::write_all(merged, out));
  std::cerr << "plateau merge: " << shards.size() << " shards, verdict " << reports::to_string(merged.verdict)
            << "\n";
  return exit_code_for(merged.verdict);
}

int run_report(const std::string& dir) {
  const reports::Report report = read_or_refuse(std::filesystem::path(dir) / reports::kJsonFileName);
  print_written(reports::write_all(report, dir));
  return kPass;
}

}  // namespace

Subcommand add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare a candidate run's report with a base run's: per series growth slope and peak; "
      "exit 1 when the candidate regresses beyond the tolerances");
  cmd->add_option("base", args->base, "Base report.json (e.g. the last release's gate run)")->required();
  cmd->add_option("candidate", args->candidate, "Candidate report.json")->required();
  cmd->add_option("--out", args->out,
                  "Write the comparison report (JSON, JUnit, HTML, Markdown) into DIR; "
                  "without it the Markdown table goes to stdout");
  cmd->add_option("--relative-peak", args->tolerances.relative_peak,
                  "Share the candidate peak may exceed the base peak by (default 0.10)");
  cmd->add_option("--relative-growth", args->tolerances.relative_growth,
                  "Extra projected growth allowed, as a share of the base level (default 0.05)");
  cmd->add_option("--absolute-default", args->absolute_default,
                  "Absolute tolerance for series no prefix or unit rule covers (default 1)");
  cmd->add_option("--absolute", args->absolute_overrides,
                  "PREFIX=VALUE absolute tolerance for series names starting with PREFIX (repeatable; "
                  "defaults alloc.=4194304 process.rss_bytes=8388608 process.hwm_bytes=8388608)")
      ->allow_extra_args(false);
  cmd->add_option("--absolute-unit", args->unit_overrides,
                  "UNIT=VALUE absolute tolerance per unit (repeatable; defaults entries=16 bytes=65536)")
      ->allow_extra_args(false);
  cmd->add_option("--horizon", args->tolerances.horizon_s,
                  "Seconds over which slope differences are projected (default: the candidate's duration)");
  return Subcommand{cmd, [args] { return run_compare(*args); }};
}

Subcommand add_merge_command(CLI::App& app) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Merge shard reports (one per scenario x allocator) into one report in every format; "
      "verdict = the worst shard's");
  cmd->add_option("dirs", *dirs, "Shard report folders (or folders holding one sub-folder per shard)")
      ->required();
  cmd->add_option("--out", *out, "Folder for the merged report")->required();
  return Subcommand{cmd, [dirs, out] { return run_merge(*dirs, *out); }};
}

Subcommand add_report_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("report", "Re-render junit.xml, report.html and summary.md from DIR/report.json");
  cmd->add_option("dir", *dir, "Report folder")->required();
  return Subcommand{cmd, [dir] { return run_report(*dir); }};
}

}  // namespace plateau::soak
