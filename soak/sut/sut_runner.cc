#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <iostream>
#include <queue>
#include <random>
#include <set>
#include <stdexcept>

#include "probes/heap_in_use.h"
#include "probes/proc_read.h"
#include "probes/process_groups.h"
#include "reports/svg_chart.h"
#include "reports/writers.h"
#include "soak/sut/system_under_test.h"
#include "soak/verdict/report_view.h"
#include "soak/verdict/verdict.h"

namespace plateau::sut {

namespace {

struct Recorded {
  std::string name, component, unit;
  soak::SeriesKind kind = soak::SeriesKind::inventory;
  std::optional<double> bound;
  std::vector<soak::Point> samples;
  bool never_zero = false;  // a process figure a running process never has at 0
  bool judged = true;       // false: recorded and shown, not judged
  std::string arrivals;     // the series counting arrivals into this one (Inventory::Entry::arrivals)
};

// The process the soak runs in, sampled beside what the service declares:
// what no container declares still shows here. RSS; the bytes the program
// holds through malloc, by its allocator's own count (probes/heap_in_use.h:
// a smaller leak shows there than in RSS, which moves in pages and with the
// allocator's free lists), less the runner's own sample storage; threads and
// descriptors, and the threads by name and descriptors by target, as
// `plateau run` groups them (probes/process_groups.h), so a thread or fd
// finding names what leaked.
class ProcessSampling {
 public:
  using Put = std::function<Recorded&(const std::string& name, const std::string& component,
                                       const std::string& unit, soak::SeriesKind kind, double value)>;

  explicit ProcessSampling(const SoakPlan& plan) : settle_(plan.settle_allocator) {
    // A file under the soak's out folder is named from "[out]", the same in every run.
    probes::set_run_folders({{plan.out_dir.string(), "[out]"}});
  }

  // A sanitizer's allocator (ASan, TSan, MSan, LSan) serves malloc: it
  // keeps freed blocks in a quarantine and maps shadow memory, so RSS grows
  // by itself (a clean example service under ASan rose 56 MiB over 6
  // virtual hours). Its own count of the bytes the program holds is judged,
  // RSS only recorded.
  bool sanitized() const noexcept { return heap_source() == "sanitizer"; }
  // Where alloc.allocated_bytes comes from ("jemalloc", "glibc", ...), or
  // empty when no allocator of this process can tell.
  std::string_view heap_source() const noexcept { return heap_ ? heap_->source : std::string_view(); }

  // `own_bytes`: what the runner itself holds for its samples, subtracted
  // from the allocator's figure (the measurer is not the measurement).
  void sample(const Put& put, const std::uint64_t& own_bytes) {
    if (settle_) settle_();
    const probes::ProcessFigures process = probes::read_process_figures();
    Recorded& rss = put("process.rss_bytes", "process", "bytes", soak::SeriesKind::process,
                        static_cast<double>(process.rss_bytes));
    rss.never_zero = true;
    rss.judged = !sanitized();
    // A failed reading leaves a gap in the series.
    if (const std::optional<std::uint64_t> held = heap_ ? heap_->read() : std::nullopt) {
      put("alloc.allocated_bytes", "allocator", "bytes", soak::SeriesKind::alloc,
          static_cast<double>(*held) - static_cast<double>(own_bytes))
          .never_zero = true;
    }
    put("process.threads", "process", "threads", soak::SeriesKind::process, static_cast<double>(process.threads))
        .never_zero = true;
    put("process.open_fds", "process", "fds", soak::SeriesKind::process, static_cast<double>(process.open_fds));
    put_groups(put, probes::kThreadGroupPrefix, "threads", thread_groups_, probes::thread_groups("/proc/self"));
    put_groups(put, probes::kFdGroupPrefix, "fds", fd_groups_, probes::fd_groups("/proc/self"));
  }

 private:
  static void put_groups(const Put& put, std::string_view prefix, const std::string& unit, probes::GroupCap& cap,
                         const std::map<std::string, std::uint64_t>& counts) {
    std::map<std::string, double> kept;
    for (const auto& [group, n] : counts) kept[cap.kept(group)] += static_cast<double>(n);
    for (const std::string& name : cap.order()) {
      const auto it = kept.find(name);
      put(std::string(prefix) + name, "process", unit, soak::SeriesKind::process,
          it == kept.end() ? 0.0 : it->second);
    }
  }

  std::function<void()> settle_;
  std::optional<probes::HeapInUseReader> heap_ = probes::heap_in_use_reader();
  probes::GroupCap thread_groups_, fd_groups_;
};

struct Event {
  double t_s;
  int type;  // 0 load, 1 maintenance, 2 sample
  std::size_t index;
  bool operator>(const Event& o) const { return t_s != o.t_s ? t_s > o.t_s : type > o.type; }
};

}  // namespace

SoakResult run_sut_soak(SystemUnderTest& sut, const SoakPlan& plan, std::ostream& log) {
  if (!(plan.duration_s > 0) || plan.warm_up_s < 0 || plan.warm_up_s >= plan.duration_s) {
    throw std::invalid_argument("soak plan: warm_up_s " + std::to_string(plan.warm_up_s) +
                                " must be in [0, duration_s " + std::to_string(plan.duration_s) + ")");
  }
  if (!(plan.sample_interval_s > 0))
    throw std::invalid_argument("soak plan: sample_interval_s must be positive");
  for (const auto& [field, bytes] : {std::pair{"process_absolute_bytes", plan.process_absolute_bytes},
                                      std::pair{"heap_absolute_bytes", plan.heap_absolute_bytes}}) {
    if (!std::isfinite(bytes) || bytes < 0) {
      throw std::invalid_argument(std::string("soak plan: ") + field + " " + std::to_string(bytes) +
                                  " must be a finite number of bytes >= 0");
    }
  }
  std::vector<LoadStream> loads = sut.load_streams();
  std::vector<Maintenance> maint = sut.maintenance();
  std::vector<Failpoint> fps = sut.failpoints();
  for (const std::string& name : plan.failpoints) {
    auto it = std::find_if(fps.begin(), fps.end(), [&](const Failpoint& f) { return f.name == name; });
    if (it == fps.end()) {
      std::string known;
      for (const Failpoint& f : fps) known += (known.empty() ? "" : ", ") + f.name;
      throw std::invalid_argument("--failpoint " + name +
                                  ": unknown; known: " + (known.empty() ? "none" : known));
    }
    it->set(true);
  }
  soak::VerdictSettings settings;
  settings.warm_up_end_s = plan.warm_up_s;
  settings.window_s = plan.window_s;
  settings.horizon_s = plan.duration_s;
  settings.alpha = plan.alpha;
  settings.relative_tolerance = plan.relative_tolerance;
  settings.absolute_by_unit = plan.absolute_by_unit;
  settings.absolute_by_prefix = {{"process.", plan.process_absolute_bytes, "bytes"},
                                 {"alloc.", plan.heap_absolute_bytes, "bytes"}};
  soak::validate(settings);

  log << "plateau: soaking " << sut.name() << " for " << plan.duration_s << " virtual s (seed " << plan.seed
      << ")\n";
  const auto wall_start = std::chrono::steady_clock::now();
  std::mt19937_64 rng(plan.seed);
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue;
  auto next_arrival = [&](double now, double rate) {
    return now + std::exponential_distribution<double>(rate)(rng);
  };
  for (std::size_t i = 0; i < loads.size(); ++i) {
    if (loads[i].per_second > 0) queue.push({next_arrival(0, loads[i].per_second), 0, i});
  }
  for (std::size_t i = 0; i < maint.size(); ++i) queue.push({maint[i].interval_s, 1, i});
  queue.push({0, 2, 0});

  Lifecycle lifecycle;
  Inventory inventory;
  Audit audit;
  std::vector<Recorded> series;
  std::map<std::string, std::size_t> index;
  std::map<std::string, std::vector<reports::ResidueExample>> residue_examples;
  // Every series keeps all its samples; sized and touched when it first
  // appears, so appending never grows the process's RSS, which is judged.
  const auto samples_per_series = static_cast<std::size_t>(plan.duration_s / plan.sample_interval_s) + 2;
  std::uint64_t storage_bytes = 0;  // what that storage holds, not the service's
  auto put = [&](const std::string& name, const std::string& component, const std::string& unit,
                 soak::SeriesKind kind, double t, double value, std::optional<double> bound) -> Recorded& {
    auto [it, fresh] = index.emplace(name, series.size());
    if (fresh) {
      series.push_back(Recorded{name, component, unit, kind, std::nullopt, {}});
      std::vector<soak::Point>& storage = series.back().samples;
      storage.resize(samples_per_series);  // writes every page now
      storage.clear();                     // keeps the capacity
      storage_bytes += storage.capacity() * sizeof(soak::Point);
    }
    Recorded& r = series[it->second];
    r.samples.push_back({t, value});
    // The largest bound seen, as `plateau run` keeps it (soak/runner/sample_recorder.cc):
    // a total over the keys held falls with them, and judged against the last
    // bound every earlier sample would read as "over".
    if (bound) r.bound = r.bound ? std::max(*r.bound, *bound) : *bound;
    return r;
  };
  ProcessSampling process(plan);
  std::uint64_t events = 0;
  while (!queue.empty()) {
    const Event e = queue.top();
    if (e.t_s > plan.duration_s) break;
    queue.pop();
    lifecycle.set_now(e.t_s);
    if (e.type == 0) {
      loads[e.index].event(e.t_s, lifecycle);
      ++events;
      queue.push({next_arrival(e.t_s, loads[e.index].per_second), 0, e.index});
    } else if (e.type == 1) {
      maint[e.index].run(e.t_s);
      queue.push({e.t_s + maint[e.index].interval_s, 1, e.index});
    } else {
      inventory.clear();
      sut.inventory(inventory);
      for (const Inventory::Entry& c : inventory.entries()) {
        const std::string base = "inventory." + c.component + "." + c.container;
        put(base + ".entries", c.component, "entries", soak::SeriesKind::inventory, e.t_s,
            static_cast<double>(c.entries),
            c.bound ? std::optional<double>(static_cast<double>(*c.bound)) : std::nullopt);
        put(base + ".bytes", c.component, "bytes", soak::SeriesKind::inventory, e.t_s,
            static_cast<double>(c.bytes), std::nullopt);
        if (c.arrivals) {
          Recorded& arrivals = put(base + ".arrivals", c.component, "count", soak::SeriesKind::inventory, e.t_s,
                                   static_cast<double>(*c.arrivals), std::nullopt);
          arrivals.judged = false;
          // By index: put() may have moved the series. The entries only:
          // the time held comes from their count (docs/verdict.md).
          series[index.at(base + ".entries")].arrivals = arrivals.name;
        }
      }
      audit.clear();
      sut.audit(audit);
      std::map<std::string, double> residue;  // series -> count
      std::set<std::pair<std::string, std::string>> still_held;
      for (const Audit::Held& h : audit.held()) {
        const std::string name = "invariant.residue." + h.component + "." + h.container;
        residue.emplace(name, 0.0);
        if (index.count(name) == 0) {
          // A container seen for the first time starts at zero.
          put(name, h.component, "keys", soak::SeriesKind::residue, e.t_s, 0, std::nullopt);
          series[index[name]].samples.clear();
        }
        auto p = lifecycle.pending().find({h.kind, h.key});
        if (p == lifecycle.pending().end() || p->second.due_s > e.t_s) continue;
        residue[name] += 1;
        still_held.insert(p->first);
        auto& examples = residue_examples[name];
        if (examples.size() < 20) {
          examples.push_back(reports::ResidueExample{h.container, h.key, h.kind, p->second.ended_s,
                                                     e.t_s - p->second.ended_s});
        }
      }
      for (const Recorded& r : series) {
        if (r.kind == soak::SeriesKind::residue) residue.emplace(r.name, 0.0);
      }
      for (const auto& [name, count] : residue) {
        const auto dot = name.find('.', std::string("invariant.residue.").size());
        const std::string component = name.substr(18, dot - 18);
        put(name, component, "keys", soak::SeriesKind::residue, e.t_s, count, std::nullopt);
      }
      process.sample([&](const std::string& name, const std::string& component, const std::string& unit,
                         soak::SeriesKind kind, double value) -> Recorded& {
        return put(name, component, unit, kind, e.t_s, value, std::nullopt);
      }, storage_bytes);
      // Past due and no longer held: released in time, forget it (bounded memory).
      for (auto it = lifecycle.pending().begin(); it != lifecycle.pending().end();) {
        it = (it->second.due_s <= e.t_s && still_held.count(it->first) == 0) ? lifecycle.pending().erase(it)
                                                                             : std::next(it);
      }
      queue.push({e.t_s + plan.sample_interval_s, 2, 0});
    }
  }
  for (const Failpoint& f : fps) {
    if (std::find(plan.failpoints.begin(), plan.failpoints.end(), f.name) != plan.failpoints.end())
      f.set(false);
  }

  std::vector<soak::SeriesInput> inputs;
  for (const Recorded& r : series) {
    if (!r.judged) continue;
    inputs.push_back(soak::SeriesInput{r.name, r.component, r.kind, r.unit, r.samples, r.bound});
    inputs.back().never_zero = r.never_zero;
    if (auto a = index.find(r.arrivals); !r.arrivals.empty() && a != index.end()) {
      inputs.back().arrivals = series[a->second].samples;
      inputs.back().arrivals_series = r.arrivals;
    }
  }
  const soak::VerdictResult verdict = soak::judge(inputs, settings);
  std::map<std::string, const soak::SeriesAnalysis*> analysis;
  for (const soak::SeriesAnalysis& a : verdict.series) analysis[a.name] = &a;
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  reports::Report report;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  report.context.host = host;
  report.context.plateau_version = "sut-api";
  report.context.scenario_name = sut.name();
  report.context.seed = plan.seed;
  report.context.clock_mode = "sim";
  report.context.wall_duration_s = wall_s;
  report.context.events_processed = events;
  report.context.events_per_s = wall_s > 0 ? static_cast<double>(events) / wall_s : 0;
  report.context.failpoints_on = plan.failpoints;
  report.scenario.duration_s = plan.duration_s;
  report.scenario.warmup_s = plan.warm_up_s;
  report.scenario.sample_interval_s = plan.sample_interval_s;
  report.scenario.window_s = plan.window_s;
  report.heap_profile.reason = "not profiled by the SUT runner";
  if (process.sanitized()) {
    report.notes.push_back(
        "a sanitizer's allocator runs in this process: process.rss_bytes (its quarantine and shadow memory "
        "grow on their own) is recorded, not judged; alloc.allocated_bytes, the bytes the program holds by "
        "the sanitizer's own count, is judged in its place");
  } else if (process.heap_source().empty()) {
    report.notes.push_back(
        "the allocator serving malloc in this process is none plateau can read (jemalloc, tcmalloc, glibc, "
        "a sanitizer's): alloc.allocated_bytes is not judged, only process.rss_bytes");
  } else {
    report.notes.push_back("alloc.allocated_bytes: the bytes the program holds through malloc, by " +
                           std::string(process.heap_source()) +
                           "'s own count, less the runner's own sample storage");
  }
  for (std::size_t i = 0; i < series.size(); ++i) {
    reports::Series out;
    out.name = series[i].name;
    out.unit = series[i].unit;
    out.component = series[i].component;
    out.family = std::string(soak::to_string(series[i].kind));
    out.declared_bound = series[i].bound;
    std::vector<reports::Point> all;
    for (const soak::Point& p : series[i].samples) all.push_back({p.t_s, p.value});
    out.samples = reports::downsample_min_max(all, 1500);
    if (auto a = analysis.find(series[i].name); a != analysis.end()) soak::describe_judged(*a->second, out);
    report.series.push_back(std::move(out));
  }
  for (const soak::Finding& f : verdict.findings) {
    reports::Finding out = soak::to_report(f);
    if (auto ex = residue_examples.find(f.series); ex != residue_examples.end())
      out.residue_examples = ex->second;
    report.findings.push_back(std::move(out));
  }
  // Too few windows to judge a trend is not "bounded" (worded as `plateau
  // run` words it).
  report.verdict = soak::to_report(verdict);
  if (report.verdict == reports::Verdict::inconclusive && verdict.inconclusive->series.empty()) {
    report.inconclusive_reason = verdict.inconclusive->reason;  // measured nothing: longer would not help
  } else if (report.verdict == reports::Verdict::inconclusive) {
    const soak::Inconclusive& why = *verdict.inconclusive;
    report.minimum_conclusive_duration_s = std::ceil(why.minimum_duration_s);
    report.inconclusive_reason = why.reason + "; a soak of at least " +
                                 std::to_string(static_cast<long long>(*report.minimum_conclusive_duration_s)) +
                                 " virtual seconds (--duration) would be conclusive";
  }
  reports::write_all(report, plan.out_dir);

  SoakResult result;
  result.verdict = report.verdict;
  result.exit_code = report.verdict == reports::Verdict::leak           ? 1
                     : report.verdict == reports::Verdict::inconclusive ? 5
                                                                        : 0;
  result.report_json = plan.out_dir / reports::kJsonFileName;
  result.findings = report.findings.size();
  result.events = events;
  for (const std::string& note : report.notes) log << "plateau: note: " << note << "\n";
  log << "plateau: verdict " << reports::to_string(report.verdict) << " (" << result.findings
      << " findings), " << events << " events in " << wall_s << " s wall\n";
  for (const reports::Finding& f : report.findings)
    log << "  " << reports::to_string(f.kind) << " " << f.series << ": " << f.message << "\n";
  if (!report.inconclusive_reason.empty()) log << "  inconclusive: " << report.inconclusive_reason << "\n";
  log << "plateau: report written to " << result.report_json.string() << "\n";
  return result;
}

namespace {

// A flag's value, read whole: "10s" or "1e3x" is refused rather than
// truncated, naming the flag, the value and the rule.
double non_negative(const std::string& flag, const std::string& value, const char* what) {
  try {
    std::size_t used = 0;
    const double v = std::stod(value, &used);
    if (used == value.size() && std::isfinite(v) && v >= 0) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + " " + value + ": must be a non-negative number of " + what);
}

// An integer is read as one: through a double, a seed above 2^53 would be
// rounded and 1.5 truncated.
std::uint64_t whole_number(const std::string& flag, const std::string& value) {
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(value, &used, 10);
    if (used == value.size() && !value.empty() && value.front() != '-' && value.front() != '+') return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + " " + value + ": must be a whole number from 0 to 18446744073709551615");
}

// A number as it parses back, in its shortest form ("21600", "8388608").
std::string shown(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// The one list of soak_main's flags: parsing, the unknown-flag message and
// --help all read it. Most set a non-negative number of the plan (`number`,
// in `unit`); the others say how they apply and show their default.
struct PlanFlag {
  std::string_view name;
  std::string_view value;  // what the value is, for --help
  double SoakPlan::*number = nullptr;
  const char* unit = nullptr;
  void (*apply)(SoakPlan& plan, const std::string& flag, const std::string& value) = nullptr;
  std::string (*default_of)(const SoakPlan& plan) = nullptr;  // nullptr: no default to show
  bool repeatable = false;

  void set(SoakPlan& plan, const std::string& flag, const std::string& given) const {
    if (number != nullptr) {
      plan.*number = non_negative(flag, given, unit);
    } else {
      apply(plan, flag, given);
    }
  }
  std::optional<std::string> shown_default(const SoakPlan& plan) const {
    if (number != nullptr) return shown(plan.*number);
    if (default_of != nullptr) return default_of(plan);
    return std::nullopt;
  }
};

constexpr PlanFlag kPlanFlags[] = {
    {"--duration", "S", &SoakPlan::duration_s, "virtual seconds"},
    {"--warm-up", "S", &SoakPlan::warm_up_s, "virtual seconds"},
    {"--window", "S", &SoakPlan::window_s, "virtual seconds"},
    {"--sample-interval", "S", &SoakPlan::sample_interval_s, "virtual seconds"},
    {"--seed", "N", nullptr, nullptr,
     [](SoakPlan& p, const std::string& f, const std::string& v) { p.seed = whole_number(f, v); },
     [](const SoakPlan& p) { return std::to_string(p.seed); }},
    {"--out", "DIR", nullptr, nullptr,
     [](SoakPlan& p, const std::string&, const std::string& v) { p.out_dir = v; },
     [](const SoakPlan& p) { return p.out_dir.string(); }},
    {"--failpoint", "NAME", nullptr, nullptr,
     [](SoakPlan& p, const std::string&, const std::string& v) { p.failpoints.push_back(v); }, nullptr, true},
    {"--process-tolerance", "BYTES", &SoakPlan::process_absolute_bytes, "bytes"},
    {"--heap-tolerance", "BYTES", &SoakPlan::heap_absolute_bytes, "bytes"},
};

// The flags that stand alone (soak_main answers them before any soak).
constexpr std::string_view kAloneFlags[] = {"--help", "--list-failpoints"};

std::string flag_names() {
  std::string names, alone;
  for (const PlanFlag& f : kPlanFlags) names += (names.empty() ? "" : ", ") + std::string(f.name);
  for (std::string_view f : kAloneFlags) alone += (alone.empty() ? "" : ", ") + std::string(f);
  return names + " (and, alone, " + alone + ")";
}

}  // namespace

std::string plan_flags_usage() {
  std::string usage;
  for (const PlanFlag& f : kPlanFlags) {
    usage += (usage.empty() ? "[" : " [") + std::string(f.name) + " " + std::string(f.value) + "]";
    if (f.repeatable) usage += "...";
  }
  return usage;
}

SoakPlan plan_from_args(int argc, const char* const* argv, SoakPlan plan) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const auto known = std::find_if(std::begin(kPlanFlags), std::end(kPlanFlags),
                                    [&](const PlanFlag& f) { return f.name == flag; });
    if (known == std::end(kPlanFlags))
      throw std::invalid_argument(flag + ": unknown option; known: " + flag_names());
    if (i + 1 >= argc) throw std::invalid_argument(flag + ": needs a value");
    known->set(plan, flag, argv[++i]);
  }
  return plan;
}

int soak_main(SystemUnderTest& sut, int argc, const char* const* argv, SoakPlan defaults) {
  // --help and --list-failpoints stand alone; every other flag takes a value.
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout
          << "usage: " << argv[0] << " " << plan_flags_usage() << "\n       " << argv[0]
          << " --list-failpoints\n"
          << "Soaks " << sut.name()
          << " on a virtual clock (seconds) and judges what it declares and its own process.\nDefaults:";
      for (const PlanFlag& f : kPlanFlags) {
        if (const std::optional<std::string> value = f.shown_default(defaults))
          std::cout << " " << f.name << " " << *value;
      }
      std::cout << "\n"
                   "Exit codes: 0 bounded, 1 leak or residue, 2 bad input, 5 inconclusive (too short to "
                   "judge, or a\n"
                   "process figure read 0 throughout). docs/embedding.md in plateau's sources.\n";
      return 0;
    }
    if (flag == "--list-failpoints") {
      for (const Failpoint& f : sut.failpoints()) std::cout << f.name << "\t" << f.description << "\n";
      return 0;
    }
  }
  try {
    return run_sut_soak(sut, plan_from_args(argc, argv, std::move(defaults)), std::cerr).exit_code;
  } catch (const std::invalid_argument& e) {
    std::cerr << "plateau: bad input: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace plateau::sut
