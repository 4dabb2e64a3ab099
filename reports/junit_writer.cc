// JUnit XML writer: see writers.h for the testcase layout.
#include <set>
#include <sstream>

#include "reports/text.h"
#include "reports/writers.h"

namespace plateau::reports {
namespace {

struct Failure {
  std::string type;     // finding kind, "canary", "clean-run", "regression", "incomplete", "error"
  std::string message;  // the attribute: one line a CI UI shows
  std::string details;  // element text: figures and examples
  bool is_error = false;  // <error> (could not judge) rather than <failure>
};

struct TestCase {
  std::string classname;
  std::string name;
  std::vector<Failure> failures;
};

std::string finding_details(const Finding& finding) {
  std::ostringstream out;
  out << to_string(finding.kind) << " in " << finding.component << " (" << finding.series << "): "
      << finding.message << "\n";
  out << "time to detect: " << format_optional_duration(finding.time_to_detect_s) << " virtual\n";
  for (const auto& [name, value] : finding.figures) out << name << " = " << format_number(value) << "\n";
  for (const ResidueExample& example : finding.residue_examples) {
    out << "residue: " << example.container << " holds " << example.entity_kind << " " << example.key
        << " (terminal at " << format_duration(example.terminal_t_s) << ", age "
        << format_duration(example.age_s) << ")\n";
  }
  return out.str();
}

Failure failure_of(const std::vector<const Finding*>& findings) {
  Failure failure;
  std::set<std::string> kinds;
  for (const Finding* finding : findings) {
    kinds.insert(std::string(to_string(finding->kind)));
    if (!failure.message.empty()) failure.message += "; ";
    failure.message += finding->message;
    failure.details += finding_details(*finding);
  }
  for (const std::string& kind : kinds) failure.type += (failure.type.empty() ? "" : ",") + kind;
  return failure;
}

std::vector<TestCase> test_cases(const Report& report) {
  std::vector<TestCase> cases;
  if (report.incomplete || report.verdict == Verdict::incomplete || report.verdict == Verdict::error) {
    bool error = report.verdict == Verdict::error;
    std::string reason = error ? report.error_message : report.incomplete_reason;
    if (reason.empty()) reason = error ? "the run could not be judged" : "the run did not finish";
    cases.push_back({"plateau.run", "run",
                     {{error ? "error" : "incomplete", reason, reason + "\n", error}}});
  }
  if (report.verdict == Verdict::inconclusive) {
    // Not a pass: nothing proved the memory bounded. A failure (not an error)
    // so CI shows it red, with the reason and the duration that would do.
    std::string reason = report.inconclusive_reason.empty() ? "some series could not be trend-judged"
                                                            : report.inconclusive_reason;
    std::string details = reason + "\n";
    if (report.minimum_conclusive_duration_s) {
      details += "minimum conclusive duration: " + format_duration(*report.minimum_conclusive_duration_s) + "\n";
    }
    cases.push_back({"plateau.run", "inconclusive", {{"inconclusive", reason, details, false}}});
  }

  // A comparison report's rows are its test cases; the findings and series
  // it carries for the same names only explain them (counting both would
  // fail CI twice for one regression).
  std::set<std::string> compared_names;
  if (report.comparison) {
    for (const ComparisonRow& row : report.comparison->rows) compared_names.insert(row.series);
  }
  std::set<std::string> judged_names;
  for (const Series& series : report.series) {
    if (!series.judged || compared_names.count(series.name) != 0) continue;
    judged_names.insert(series.name);
    TestCase test{"plateau." + series.component, series.name, {}};
    std::vector<const Finding*> findings;
    for (const Finding& finding : report.findings) {
      if (finding.series == series.name) findings.push_back(&finding);
    }
    if (!findings.empty()) {
      test.failures.push_back(failure_of(findings));
    } else if (series.verdict == Verdict::leak || series.verdict == Verdict::error) {
      test.failures.push_back({std::string(to_string(series.verdict)),
                               "series verdict is " + std::string(to_string(series.verdict)), "", false});
    }
    cases.push_back(std::move(test));
  }
  // A finding on something that is not a judged series (audit residue, a
  // named invariant) still needs its own failing case, or CI would not see it.
  for (const Finding& finding : report.findings) {
    if (judged_names.count(finding.series) != 0 || compared_names.count(finding.series) != 0) continue;
    cases.push_back({"plateau." + finding.component, finding.series, {failure_of({&finding})}});
  }

  if (report.canary_matrix) {
    for (const CanaryResult& canary : report.canary_matrix->canaries) {
      TestCase test{"plateau.canary", canary.failpoint + " (seed " + std::to_string(canary.seed) + ")", {}};
      if (!canary.detected) {
        std::string fired;
        for (const std::string& component : canary.components_fired) fired += (fired.empty() ? "" : ", ") + component;
        test.failures.push_back({"canary",
                                 "canary " + canary.failpoint + " not detected in component " +
                                     canary.expected_component + " (components fired: " +
                                     (fired.empty() ? "none" : fired) + ")",
                                 "", false});
      }
      cases.push_back(std::move(test));
    }
    for (const CleanRun& run : report.canary_matrix->clean_runs) {
      const std::string what = run.fixture.empty() ? "clean run" : "must-not-fire " + run.fixture;
      TestCase test{"plateau.clean", what + " (seed " + std::to_string(run.seed) + ")", {}};
      if (run.verdict != Verdict::bounded) {
        test.failures.push_back({"clean-run",
                                 what + " with seed " + std::to_string(run.seed) + " gave verdict " +
                                     std::string(to_string(run.verdict)) + " (false positive)",
                                 "", run.verdict == Verdict::error});
      }
      cases.push_back(std::move(test));
    }
  }

  if (report.comparison) {
    for (const ComparisonRow& row : report.comparison->rows) {
      TestCase test{"plateau.compare", row.series, {}};
      if (row.regressed) test.failures.push_back({"regression", row.message, "", false});
      cases.push_back(std::move(test));
    }
  }
  return cases;
}

}  // namespace

std::string render_junit_xml(const Report& report) {
  const std::vector<TestCase> cases = test_cases(report);
  std::size_t failures = 0;
  std::size_t errors = 0;
  for (const TestCase& test : cases) {
    if (test.failures.empty()) continue;
    (test.failures.front().is_error ? errors : failures) += 1;
  }
  const Context& context = report.context;
  const std::string suite_name =
      "plateau." + (context.scenario_name.empty() ? std::string("report") : context.scenario_name);
  const std::string time = format_number(context.wall_duration_s);

  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"plateau\" tests=\"" << cases.size() << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\" time=\"" << time << "\">\n";
  out << "  <testsuite name=\"" << xml_escape(suite_name) << "\" tests=\"" << cases.size() << "\" failures=\""
      << failures << "\" errors=\"" << errors << "\" skipped=\"0\" time=\"" << time << "\"";
  if (!context.start_time.empty()) out << " timestamp=\"" << xml_escape(context.start_time) << "\"";
  if (!context.host.empty()) out << " hostname=\"" << xml_escape(context.host) << "\"";
  out << ">\n";

  out << "    <properties>\n";
  auto property = [&out](const char* name, const std::string& value) {
    out << "      <property name=\"" << name << "\" value=\"" << xml_escape(value) << "\"/>\n";
  };
  property("schema", std::string(kSchemaVersion));
  property("verdict", std::string(to_string(report.verdict)));
  property("scenario", context.scenario_path.empty() ? context.scenario_name : context.scenario_path);
  property("seed", std::to_string(context.seed));
  property("allocator", context.allocator);
  property("build_type", context.build_type);
  property("compiler", context.compiler);
  property("git_revision", context.git_revision);
  property("clock_mode", context.clock_mode);
  std::string failpoints;
  for (const std::string& name : context.failpoints_on) failpoints += (failpoints.empty() ? "" : ",") + name;
  property("failpoints", failpoints);
  if (context.git_dirty) property("git_dirty", *context.git_dirty ? "true" : "false");
  if (!context.reproduce_command.empty()) property("reproduce", context.reproduce_command);
  out << "    </properties>\n";

  for (const TestCase& test : cases) {
    out << "    <testcase classname=\"" << xml_escape(test.classname) << "\" name=\"" << xml_escape(test.name)
        << "\" time=\"0\"";
    if (test.failures.empty()) {
      out << "/>\n";
      continue;
    }
    out << ">\n";
    for (const Failure& failure : test.failures) {
      const char* element = failure.is_error ? "error" : "failure";
      out << "      <" << element << " message=\"" << xml_escape(failure.message) << "\" type=\""
          << xml_escape(failure.type) << "\">" << xml_escape(failure.details) << "</" << element << ">\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace plateau::reports
