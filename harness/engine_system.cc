#include "harness/engine_system.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/core/inspect.h"

namespace plateau::harness {

namespace {

// Containers go out as they come; one that names its arrivals counter
// (ContainerReport::arrivals) waits for that counter, which its component
// reports after its containers, and goes out with its value at finish().
class InventoryToSut final : public engine::InventorySink {
 public:
  explicit InventoryToSut(sut::Inventory& out) : out_(out) {}
  void container(const engine::ContainerReport& r) override {
    std::optional<std::uint64_t> bound;
    if (r.bound_entries) bound = *r.bound_entries;
    if (r.arrivals.empty()) {
      out_.container(r.component, r.container, r.entries, r.approx_bytes, bound);
      return;
    }
    waiting_.push_back({std::string(r.component), std::string(r.container), std::string(r.arrivals), r.entries,
                        r.approx_bytes, bound});
  }
  void counter(const engine::CounterReport& r) override {
    // The SUT API has no counters: an invariant counter (must stay zero) is
    // a container bounded at 0, so any non-zero value is a bound finding.
    // Health counters only ever grow (cycles run, ...) and would read as a
    // trend: they are left out, but kept to give a container its arrivals.
    if (r.kind != engine::CounterKind::kInvariant) {
      counters_[{std::string(r.component), std::string(r.name)}] = r.value;
      return;
    }
    out_.container(r.component, "invariant." + std::string(r.name), r.value, 0, std::uint64_t{0});
  }
  void finish() {
    for (const Waiting& w : waiting_) {
      std::optional<std::uint64_t> arrivals;
      if (auto c = counters_.find({w.component, w.arrivals}); c != counters_.end()) arrivals = c->second;
      out_.container(w.component, w.container, w.entries, w.bytes, w.bound, arrivals);
    }
    waiting_.clear();
  }

 private:
  struct Waiting {
    std::string component, container, arrivals;
    std::uint64_t entries = 0, bytes = 0;
    std::optional<std::uint64_t> bound;
  };
  sut::Inventory& out_;
  std::vector<Waiting> waiting_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> counters_;
};

// An entry past its max age, named for the audit by its container and
// insertion time: the same key put again later is another entry.
std::string aged_entry_key(const engine::AuditContainer& c, std::string_view key,
                           engine::TimePoint stored_at) {
  return std::string(key) + "@" + std::string(c.component) + "." + std::string(c.container) + " stored at " +
         std::to_string(engine::to_seconds(stored_at - kVirtualEpoch)) + "s";
}

}  // namespace

EngineSystem::EngineSystem(HarnessOptions options, engine::EngineConfig config)
    : harness_(std::move(options), std::move(config)) {
  harness_.set_terminal_sink(this);
}

double EngineSystem::seconds_of(engine::TimePoint t) noexcept {
  return engine::to_seconds(t - kVirtualEpoch);
}

engine::TimePoint EngineSystem::instant_of(double now_s) noexcept {
  return kVirtualEpoch + engine::from_seconds(now_s);
}

std::vector<sut::LoadStream> EngineSystem::load_streams() {
  std::vector<sut::LoadStream> out;
  for (const StreamInfo& s : harness_.streams()) {
    if (s.role != StreamRole::kLoad || !(s.per_second > 0)) continue;
    out.push_back(
        sut::LoadStream{s.name, s.per_second, [this, id = s.id](double now_s, sut::Lifecycle& lifecycle) {
                          drive(id, now_s);
                          flush(lifecycle);
                        }});
  }
  return out;
}

std::vector<sut::Maintenance> EngineSystem::maintenance() {
  std::vector<sut::Maintenance> out;
  const double end_s = engine::to_seconds(harness_.options().duration);
  const double tick_s = engine::to_seconds(harness_.options().intervals.maintain);
  for (const StreamInfo& s : harness_.streams()) {
    if (s.role == StreamRole::kEngineWork) {
      const double interval_s = engine::to_seconds(s.interval);
      if (interval_s > end_s) continue;  // switched off (the harness's "never")
      out.push_back(
          sut::Maintenance{s.name, interval_s, [this, id = s.id](double now_s) { drive(id, now_s); }});
    } else if (s.role == StreamRole::kDelisting && !s.instants.empty()) {
      // One-shot instants, checked at the maintain tick: each fires once passed.
      auto next = std::make_shared<std::size_t>(0);
      out.push_back(
          sut::Maintenance{s.name, tick_s, [this, id = s.id, instants = s.instants, next](double now_s) {
                             while (*next < instants.size() && seconds_of(instants[*next]) <= now_s) {
                               ++*next;
                               drive(id, now_s);
                             }
                           }});
    }
  }
  return out;
}

std::vector<sut::Failpoint> EngineSystem::failpoints() {
  std::vector<sut::Failpoint> out;
  for (const engine::FailpointInfo& info : engine::all_failpoints()) {
    out.push_back(sut::Failpoint{std::string(info.name), std::string(info.description),
                                 [this, id = info.id](bool on) { harness_.failpoints().set(id, on); }});
  }
  return out;
}

void EngineSystem::inventory(sut::Inventory& out) const {
  InventoryToSut sink(out);
  harness_.engine().inventory(sink);
  sink.finish();
}

void EngineSystem::audit(sut::Audit& out) const {
  class AuditToSut final : public engine::AuditSink {
   public:
    AuditToSut(sut::Audit& out, engine::TimePoint now, std::vector<Ended>& overdue)
        : out_(out), now_(now), overdue_(overdue) {}
    void held(const engine::AuditContainer& c, std::string_view key,
              std::optional<engine::TimePoint> stored_at) override {
      // An entry stored longer ago than its container's max age (a cache's
      // max TTL plus its sweep) should be gone whatever ended: named by its
      // insertion too, it is ended with its deadline in the past, and the
      // next audit that still sees it counts it as residue (as the probes'
      // audit does under `plateau run`).
      if (c.past_max_age(stored_at, now_)) {
        const std::string name = aged_entry_key(c, key, *stored_at);
        out_.holds(c.component, c.container, engine::to_string(c.kind), name);
        const double due_s = seconds_of(*stored_at + *c.max_age);
        overdue_.push_back(Ended{std::string(engine::to_string(c.kind)), name, due_s, due_s});
        return;
      }
      // A cache entry ends by age only; any other entity by a load event.
      if (c.kind != engine::EntityKind::kCacheEntry)
        out_.holds(c.component, c.container, engine::to_string(c.kind), key);
    }

   private:
    sut::Audit& out_;
    engine::TimePoint now_;
    std::vector<Ended>& overdue_;
  };
  AuditToSut sink(out, harness_.now(), overdue_cache_entries_);
  harness_.engine().audit(sink);
}

void EngineSystem::terminated(engine::EntityKind kind, std::string_view key, engine::TimePoint at,
                              engine::Duration grace) {
  ended_.push_back(
      Ended{std::string(engine::to_string(kind)), std::string(key), seconds_of(at), seconds_of(at + grace)});
}

void EngineSystem::drive(StreamId stream, double now_s) { harness_.drive(stream, instant_of(now_s)); }

void EngineSystem::flush(sut::Lifecycle& lifecycle) {
  // Lifecycle::ended stamps its now: handed over late, an entity keeps its
  // own end time and the engine's deadline (ended at + grace).
  const double now_s = lifecycle.now();
  for (const std::vector<Ended>* list : {&ended_, &overdue_cache_entries_}) {
    for (const Ended& e : *list) {
      lifecycle.set_now(e.ended_s);
      lifecycle.ended(e.kind, e.key, e.due_s - e.ended_s);
    }
  }
  lifecycle.set_now(now_s);
  ended_.clear();
  overdue_cache_entries_.clear();
}

}  // namespace plateau::harness
