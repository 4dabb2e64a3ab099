// The system-under-test interface: what a service publishes so plateau can
// soak it — its containers (Inventory), the keys they hold by entity kind
// named by a string (Audit), the entities its load ended (Lifecycle), its
// load streams, its periodic maintenance and its failpoints.
//
// It lives here, header-only and on the standard library alone, so that
// both sides of the module arrows can use it: the harness implements it for
// the trading engine (harness/engine_system.h) and soak/sut drives any
// implementation (soak/sut/system_under_test.h adds the runner). Embedders
// include soak/sut/system_under_test.h, which includes this file.
//
// A SystemUnderTest is a pull interface, like the engine's: the runner calls
// load_streams() / maintenance() / failpoints() once, then the callbacks on
// its own thread at virtual instants, and inventory() / audit() at every
// sample. Virtual time is seconds since the start of the soak (double); the
// service must take time from the `now_s` it is given, never the system
// clock, for a day of load to run in seconds.
//
// Thread safety: the runner calls everything from one thread; the sinks are
// not thread-safe. Invariants: a (kind, key) pair names one entity; the
// runner publishes inventory.<component>.<container>.entries|bytes and
// invariant.residue.<component>.<container>; one name keeps one unit.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plateau::sut {

// Containers and their sizes, reported at every sample.
//
// `arrivals`, for a container whose entries come and go with the load (each
// arrives, stays a while, leaves): how many entries were ever put in, a
// running total (it may begin again at 0 if the service restarts). Such a
// container holds about arrival rate x time held, so its count drifts when
// the load's rate does; the verdict then reads it per unit of load as well
// and calls it a leak only if it grows there too (docs/verdict.md, "Load
// that drifts"). The runner records it as
// inventory.<component>.<container>.arrivals, shown, not judged.
class Inventory {
 public:
  struct Entry {
    std::string component, container;
    std::uint64_t entries = 0, bytes = 0;
    std::optional<std::uint64_t> bound;     // the bound it promises on entries, if any
    std::optional<std::uint64_t> arrivals;  // entries ever put in, for a container that follows a load
  };
  void container(std::string_view component, std::string_view container, std::uint64_t entries,
                 std::uint64_t bytes = 0, std::optional<std::uint64_t> bound = std::nullopt,
                 std::optional<std::uint64_t> arrivals = std::nullopt) {
    entries_.push_back(Entry{std::string(component), std::string(container), entries, bytes, bound, arrivals});
  }
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
             std::string_view key) {
    held_.push_back(
        Held{std::string(component), std::string(container), std::string(kind), std::string(key)});
  }
  const std::vector<Held>& held() const noexcept { return held_; }
  void clear() noexcept { held_.clear(); }

 private:
  std::vector<Held> held_;
};

// Handed to load events: the entities that reached a terminal state.
class Lifecycle {
 public:
  // `kind`/`key` ended at now; every container must drop it within grace_s.
  void ended(std::string_view kind, std::string_view key, double grace_s) {
    pending_[{std::string(kind), std::string(key)}] = Deadline{now_s_, now_s_ + grace_s};
  }
  struct Deadline {
    double ended_s = 0, due_s = 0;
  };
  std::map<std::pair<std::string, std::string>, Deadline>& pending() noexcept { return pending_; }
  void set_now(double now_s) noexcept { now_s_ = now_s; }
  double now() const noexcept { return now_s_; }

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

}  // namespace plateau::sut
