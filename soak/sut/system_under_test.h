// The soak API for your own C++ service: register it as a system under test
// (its containers, its entities with kinds named by strings, its load
// streams, its periodic maintenance, its failpoints) and plateau drives it
// on a virtual clock, samples it, judges it with the soak verdict and writes
// the usual report (docs/embedding.md walks through it).
//
// The interface types (Inventory, Audit, Lifecycle, LoadStream, Maintenance,
// Failpoint, SystemUnderTest) are in harness/system_under_test.h, included
// here, so the harness can implement them for the trading engine; this
// header adds the runner (SoakPlan, run_sut_soak, soak_main).
//
// A SystemUnderTest is a pull interface, like the engine's: plateau calls
// load_streams() / maintenance() / failpoints() once, then the callbacks on
// its own thread at virtual instants, and inventory() / audit() at every
// sample. Virtual time is seconds since the start of the soak (double);
// the service must take time from the `now_s` it is given, never the system
// clock, for a day of load to run in seconds.
//
// Besides what the service declares, the runner judges the process it runs
// in: its RSS (SoakPlan::process_absolute_bytes), the bytes it holds through
// malloc by its allocator's own count (SoakPlan::heap_absolute_bytes;
// probes/heap_in_use.h), threads and descriptors. Its own sample storage is
// sized and touched when a series first appears, so the measurer does not
// grow the RSS it judges, and is subtracted from the allocator's count.
//
// Thread safety: run_sut_soak calls everything from the calling thread; the
// sinks are not thread-safe. Invariants: series names are
// inventory.<component>.<container>.entries|bytes,
// invariant.residue.<component>.<container>, process.rss_bytes|threads|open_fds
// (with process.threads.<name>, process.fds.<target>) and alloc.allocated_bytes;
// one name keeps one unit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "harness/system_under_test.h"
#include "reports/model.h"

namespace plateau::sut {

struct SoakPlan {
  double duration_s = 6 * 3600.0;  // virtual
  double warm_up_s = 1800;
  double window_s = 1800;  // longer than the longest maintenance interval
  double sample_interval_s = 60;
  std::uint64_t seed = 1;
  std::vector<std::string> failpoints;  // switched on by name
  std::filesystem::path out_dir = "plateau-out/sut";
  double alpha = 0.01;
  double relative_tolerance = 0.05;
  std::map<std::string, double> absolute_by_unit = {
      {"entries", 16}, {"bytes", 1 << 20}, {"threads", 1}, {"fds", 1}};
  // The process the soak runs in is judged too: process.rss_bytes,
  // process.threads and process.open_fds (read from /proc/self), so memory
  // the service holds outside every declared container still shows, named
  // by the process rather than a component. RSS may grow this many bytes
  // over the soak (or relative_tolerance of its level, whichever is larger);
  // threads and fds take absolute_by_unit.
  double process_absolute_bytes = 8 << 20;
  // alloc.allocated_bytes: the bytes the program holds through malloc, by
  // the count of the allocator serving this process (jemalloc, tcmalloc,
  // glibc, or a sanitizer's; none: not judged), less the runner's own
  // sample storage. It moves neither in pages nor with free lists, so it
  // takes a tighter tolerance than RSS: this many bytes over the soak, or
  // relative_tolerance of its level if larger.
  double heap_absolute_bytes = 2 << 20;
  // Called before each reading of the process figures. An allocator that
  // returns freed pages on a wall-clock timer (jemalloc's decay) leaves RSS
  // on a virtual clock counting pages it holds freed: return them here
  // (jemalloc: mallctl "arena.4096.purge"). Empty: RSS as the kernel reports it.
  std::function<void()> settle_allocator;
};

struct SoakResult {
  int exit_code = 0;  // 0 bounded, 1 leak or residue, 5 inconclusive (too few windows to judge a trend)
  reports::Verdict verdict = reports::Verdict::bounded;
  std::filesystem::path report_json;
  std::size_t findings = 0;
  std::uint64_t events = 0;
};

// Drives, samples, judges, writes report.json, junit.xml, report.html and
// summary.md into plan.out_dir. Throws std::invalid_argument for a bad plan
// or an unknown failpoint (naming it and the known ones).
SoakResult run_sut_soak(SystemUnderTest& sut, const SoakPlan& plan, std::ostream& log);

// A service's own soak main: reads its flags (the duration, warm-up, window
// and sample interval in virtual seconds, the seed, the out folder,
// failpoints, the process tolerance; `--help` lists them with the
// defaults) over `defaults`; throws std::invalid_argument naming a bad
// flag, its value and the rule. (soak_main answers --help and
// --list-failpoints itself.)
// The flags plan_from_args reads, for a usage line: "[--duration S] ...".
std::string plan_flags_usage();

SoakPlan plan_from_args(int argc, const char* const* argv, SoakPlan defaults = {});

// run_sut_soak from argv, with exit codes 0 / 1 / 2 (bad input) / 5
// (inconclusive: the soak was too short to judge a trend, or a process
// figure read 0 throughout). `--help` prints the flags and defaults and
// `--list-failpoints` the service's failpoints (name, tab, description),
// both to stdout with exit 0.
int soak_main(SystemUnderTest& sut, int argc, const char* const* argv, SoakPlan defaults = {});

}  // namespace plateau::sut
