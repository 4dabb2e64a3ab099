// The soak API for your own C++ service: register it as a system under test
// (its containers, its entities with kinds named by strings, its load
// streams, its periodic maintenance, its failpoints) and plateau drives it
// on a virtual clock, samples it, judges it with the soak verdict and writes
// the usual report (docs/embedding.md walks through it).
//
// A SystemUnderTest is a pull interface, like the engine's: plateau calls
// load_streams() / maintenance() / failpoints() once, then the callbacks on
// its own thread at virtual instants, and inventory() / audit() at every
// sample. Virtual time is seconds since the start of the soak (double);
// the service must take time from the `now_s` it is given, never the system
// clock, for a day of load to run in seconds.
//
// Thread safety: run_sut_soak calls everything from the calling thread; the
// sinks are not thread-safe. Invariants: series names are
// inventory.<component>.<container>.entries|bytes and
// invariant.residue.<component>.<container>; one name keeps one unit.
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

#include "reports/model.h"

namespace plateau::sut {

// Containers and their sizes, reported at every sample.
class Inventory {
 public:
  struct Entry {
    std::string component, container;
    std::uint64_t entries = 0, bytes = 0;
    std::optional<std::uint64_t> bound;  // the bound it promises on entries, if any
  };
  void container(std::string_view component, std::string_view container, std::uint64_t entries,
                 std::uint64_t bytes = 0, std::optional<std::uint64_t> bound = std::nullopt);
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  void clear() noexcept { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
};

// The keys a container still holds, by entity kind (any string: "session",
// "order", ...). An entity the load said had ended (Lifecycle::ended) and
// still held past its grace period is residue: a finding with its key.
class Audit {
 public:
  struct Held {
    std::string component, container, kind, key;
  };
  void holds(std::string_view component, std::string_view container, std::string_view kind,
             std::string_view key);
  const std::vector<Held>& held() const noexcept { return held_; }
  void clear() noexcept { held_.clear(); }

 private:
  std::vector<Held> held_;
};

// Handed to load events: the entities that reached a terminal state.
class Lifecycle {
 public:
  // `kind`/`key` ended at now; every container must drop it within grace_s.
  void ended(std::string_view kind, std::string_view key, double grace_s);
  struct Deadline {
    double ended_s = 0, due_s = 0;
  };
  std::map<std::pair<std::string, std::string>, Deadline>& pending() noexcept { return pending_; }
  void set_now(double now_s) noexcept { now_s_ = now_s; }

 private:
  double now_s_ = 0;
  std::map<std::pair<std::string, std::string>, Deadline> pending_;
};

struct LoadStream {
  std::string name;
  double per_second = 1;  // Poisson arrivals at this mean rate (seeded)
  std::function<void(double now_s, Lifecycle& lifecycle)> event;
};

struct Maintenance {
  std::string name;
  double interval_s = 60;
  std::function<void(double now_s)> run;
};

struct Failpoint {
  std::string name;         // e.g. "cache.skip_eviction"
  std::string description;  // one line
  std::function<void(bool on)> set;
};

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;
  virtual std::string name() const = 0;
  virtual std::vector<LoadStream> load_streams() = 0;
  virtual std::vector<Maintenance> maintenance() { return {}; }
  virtual std::vector<Failpoint> failpoints() { return {}; }
  virtual void inventory(Inventory& out) const = 0;
  virtual void audit(Audit& out) const { (void)out; }
};

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
  std::map<std::string, double> absolute_by_unit = {{"entries", 16}, {"bytes", 1 << 20}};
};

struct SoakResult {
  int exit_code = 0;  // 0 bounded, 1 leak or residue
  reports::Verdict verdict = reports::Verdict::bounded;
  std::filesystem::path report_json;
  std::size_t findings = 0;
  std::uint64_t events = 0;
};

// Drives, samples, judges, writes report.json, junit.xml, report.html and
// summary.md into plan.out_dir. Throws std::invalid_argument for a bad plan
// or an unknown failpoint (naming it and the known ones).
SoakResult run_sut_soak(SystemUnderTest& sut, const SoakPlan& plan, std::ostream& log);

// A service's own soak main: reads --duration S, --warm-up S, --window S,
// --sample-interval S (virtual seconds), --seed N, --out DIR, --failpoint
// NAME (repeatable) over `defaults`; throws std::invalid_argument naming a
// bad flag. `--list-failpoints` is left to the caller.
SoakPlan plan_from_args(int argc, const char* const* argv, SoakPlan defaults = {});

// run_sut_soak from argv, with exit codes 0 / 1 / 2 (bad input).
int soak_main(SystemUnderTest& sut, int argc, const char* const* argv, SoakPlan defaults = {});

}  // namespace plateau::sut
